import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps the dispatcher sending: whatever is due, then a short wait (woken early after a tick).
/// On graceful shutdown it stops claiming rows and lets in-flight sends finish.
public final class DispatchService: Service, Sendable {
    let engine: Engine
    /// The longest wait between two looks at the queue.
    let pollSeconds: Double
    private let wake = Mutex<CheckedContinuation<Void, Never>?>(nil)

    public init(engine: Engine, pollSeconds: Double = 1) {
        self.engine = engine
        self.pollSeconds = pollSeconds
    }

    /// Ends the current wait early (after a tick queued new rows).
    public func poke() {
        wake.withLock { continuation in
            continuation?.resume()
            continuation = nil
        }
    }

    public func run() async throws {
        let recovered = try engine.dispatcher.recoverInFlight()
        if recovered > 0 {
            engine.logger.notice("resending sends left in flight by the previous run", metadata: ["send.count": "\(recovered)"])
        }
        while !Task.isShuttingDownGracefully {
            do {
                let summary = try await engine.dispatchDue(shouldStop: { Task.isShuttingDownGracefully })
                if summary.total > 0 {
                    engine.logger.info("dispatched", metadata: [
                        "dispatch.sent": "\(summary.sent)", "dispatch.retried": "\(summary.retried)", "dispatch.failed": "\(summary.failed)",
                        "dispatch.skipped": "\(summary.skipped)", "dispatch.held": "\(summary.held)",
                    ])
                }
            } catch {
                engine.logger.error("dispatch failed; trying again shortly", metadata: ["dispatch.error": "\(error)"])
            }
            if Task.isShuttingDownGracefully { break }
            let next = (try? engine.dispatcher.nextDue()) ?? nil
            let wait = min(pollSeconds, max(0, (next ?? .infinity) - engine.clock.now()))
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await self.engine.clock.sleep(seconds: wait) }
                    group.addTask {
                        await withCheckedContinuation { continuation in self.wake.withLock { $0 = continuation } }
                    }
                    await group.next()
                    self.poke()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.poke()
            }
        }
    }
}
