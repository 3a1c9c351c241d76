import Synchronization

/// A token bucket: `rate` tokens per second, at most one second's worth saved up, so a configured
/// 50/s gives 50 sends per second, not less, and never a burst of more than 50.
///
/// A lock, not an actor: taking a token is a few arithmetic steps, and an actor cost every send
/// two hops between executors (docs/performance.md, "Dispatch").
final class TokenBucket: Sendable {
    private let rate: Double
    private let capacity: Double
    private let clock: any EngineClock
    private let state: Mutex<State>

    private struct State {
        var tokens: Double
        var refilledAt: Double
    }

    init(rate: Double, clock: any EngineClock) {
        self.rate = rate
        self.capacity = max(1, rate)
        self.clock = clock
        state = Mutex(State(tokens: max(1, rate), refilledAt: clock.now()))
    }

    /// Waits until a token is free and takes it.
    func acquire() async throws {
        guard rate > 0, rate.isFinite else { return }
        while true {
            let wait: Double? = state.withLock { state in
                let now = clock.now()
                state.tokens = min(capacity, state.tokens + (now - state.refilledAt) * rate)
                state.refilledAt = now
                if state.tokens >= 1 {
                    state.tokens -= 1
                    return nil
                }
                // At least a millisecond: a shorter wait is lost in the clock's resolution.
                return max(0.001, (1 - state.tokens) / rate)
            }
            guard let wait else { return }
            try await clock.sleep(seconds: wait)
        }
    }
}
