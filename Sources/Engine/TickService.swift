import CustomerStore
import Foundation
import Logging
import ServiceLifecycle

/// Ticks on schedule: at start for the current interval (a tick already recorded for it changes
/// nothing), then at every multiple of the tick interval, each instant at most once per run.
///
/// The engine clock is the wall clock, and a wall clock steps. When it steps back, the instants
/// already ticked are not evaluated again: the service waits until the clock reaches the next
/// instant it has not ticked. When it steps forward (or the machine was suspended, or a tick
/// took longer than the interval), the missed instants are not replayed one by one: one catch-up
/// tick runs at the latest due instant. A tick that fails (a full disk) is tried again after
/// `retrySeconds` at the latest due instant, until one succeeds. Waits are at most one interval
/// long, so a forward step is noticed within an interval.
public struct TickService: Service {
    let engine: Engine
    /// Called after each tick, to wake the dispatcher.
    let afterTick: @Sendable () -> Void
    /// How long after a failed tick the next attempt runs (at most one interval).
    let retrySeconds: Double

    public init(engine: Engine, retrySeconds: Double = 30, afterTick: @escaping @Sendable () -> Void = {}) {
        self.engine = engine
        self.retrySeconds = retrySeconds
        self.afterTick = afterTick
    }

    public func run() async throws {
        // The first instant not yet ticked by this run.
        var next = engine.scheduledInstant(atOrBefore: engine.clock.now())
        var retryAt: Double?
        var warnedBack = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = engine.configuration.tickSeconds
            let now = engine.clock.now()
            let due = engine.scheduledInstant(atOrBefore: now)
            if due >= next && now >= (retryAt ?? now) {
                warnedBack = false
                // Instants passed while failed ticks were retried are not news.
                let missed = (due - next) / interval
                if missed > 0 && retryAt == nil {
                    engine.logger.notice("instants missed (a clock step forward or a stall): one catch-up tick at the latest", metadata: [
                        "tick.instant": "\(due)", "tick.missed": "\(missed)",
                    ])
                }
                do {
                    try await engine.tick(at: due)
                    next = due + interval
                    retryAt = nil
                    afterTick()
                } catch {
                    next = due
                    retryAt = now + min(retrySeconds, Double(interval))
                    engine.logger.error("tick failed; trying again shortly", metadata: [
                        "tick.instant": "\(due)", "tick.error": "\(error)", "tick.hint": "\((error as? StoreError)?.hint ?? "")",
                        "retry.in": "\(Int(min(retrySeconds, Double(interval))))s",
                    ])
                }
            } else if due < next - interval && !warnedBack {
                warnedBack = true
                engine.logger.warning("the clock stepped back; instants already ticked are not ticked again", metadata: [
                    "tick.next": "\(next)", "clock.behind": "\(Int(Double(next) - now))s",
                ])
            }
            let wake = retryAt ?? Double(next)
            let wait = min(wake - engine.clock.now(), Double(interval))
            do {
                try await cancelWhenGracefulShutdown { try await engine.clock.sleep(seconds: wait) }
            } catch {
                return
            }
        }
    }
}
