import CustomerStore
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
    /// The waiting round's continuation, or a poke that came while none was waiting (kept, so
    /// the next wait ends at once instead of the wake-up being lost).
    private let wake = Mutex<(waiter: CheckedContinuation<Void, Never>?, poked: Bool)>((nil, false))

    public init(engine: Engine, pollSeconds: Double = 1) {
        self.engine = engine
        self.pollSeconds = pollSeconds
    }

    /// Ends the current wait early (after a tick queued new rows), or the next one if none is
    /// waiting yet.
    public func poke() {
        wake.withLock { state in
            if let waiter = state.waiter {
                waiter.resume()
                state.waiter = nil
            } else {
                state.poked = true
            }
        }
    }

    /// Waits for `poke`; returns at once if one came since the last wait.
    private func waitForPoke() async {
        await withCheckedContinuation { continuation in
            wake.withLock { state in
                if state.poked {
                    state.poked = false
                    continuation.resume()
                } else {
                    state.waiter = continuation
                }
            }
        }
    }

    public func run() async throws {
        // Rows the previous run left in flight go back in the queue before anything is claimed;
        // a store that refuses the write (a full disk) is tried again on every round.
        var recovered = false
        while !Task.isShuttingDownGracefully {
            do {
                if !recovered {
                    let count = try await engine.dispatcher.recoverInFlight()
                    recovered = true
                    if count > 0 {
                        engine.logger.notice("resending sends left in flight by the previous run", metadata: ["send.count": "\(count)"])
                    }
                }
                let summary = try await engine.dispatchDue(shouldStop: { Task.isShuttingDownGracefully })
                if summary.total > 0 {
                    engine.logger.info("dispatched", metadata: [
                        "dispatch.sent": "\(summary.sent)", "dispatch.retried": "\(summary.retried)", "dispatch.failed": "\(summary.failed)",
                        "dispatch.skipped": "\(summary.skipped)", "dispatch.held": "\(summary.held)",
                    ])
                }
            } catch {
                engine.logger.error("dispatch failed; trying again shortly", metadata: [
                    "dispatch.error": "\(error)", "dispatch.hint": "\((error as? StoreError)?.hint ?? "")",
                ])
            }
            if Task.isShuttingDownGracefully { break }
            let next = (try? await engine.dispatcher.nextDue()) ?? nil
            let wait = min(pollSeconds, max(0, (next ?? .infinity) - engine.clock.now()))
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask {
                        try? await self.engine.clock.sleep(seconds: wait)
                        return true
                    }
                    group.addTask {
                        await self.waitForPoke()
                        return false
                    }
                    // When the sleep ends first, a poke ends the waiting task; if that task has
                    // not begun to wait yet, the poke is kept for it. Before, that poke was lost
                    // and the round hung until a tick poked again (for ever with no ticks, or at
                    // a graceful shutdown).
                    if await group.next() == true { self.poke() }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.poke()
            }
        }
    }
}
