import Foundation
import Logging
import ServiceLifecycle

/// Ticks on schedule: at start for the current interval (a tick already recorded for it changes
/// nothing), then at every multiple of the tick interval.
public struct TickService: Service {
    let engine: Engine
    /// Called after each tick, to wake the dispatcher.
    let afterTick: @Sendable () -> Void

    public init(engine: Engine, afterTick: @escaping @Sendable () -> Void = {}) {
        self.engine = engine
        self.afterTick = afterTick
    }

    public func run() async throws {
        var instant = engine.scheduledInstant(atOrBefore: engine.clock.now())
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try engine.tick(at: instant)
                afterTick()
            } catch {
                engine.logger.error("tick failed; the next tick tries again", metadata: ["tick.instant": "\(instant)", "tick.error": "\(error)"])
            }
            instant += engine.configuration.tickSeconds
            let wait = Double(instant) - engine.clock.now()
            do {
                try await cancelWhenGracefulShutdown { try await engine.clock.sleep(seconds: wait) }
            } catch {
                return
            }
            // After a long stall (suspend, a slow tick) skip to the latest due instant.
            instant = max(instant, engine.scheduledInstant(atOrBefore: engine.clock.now()))
        }
    }
}
