/// A token bucket: `rate` tokens per second, at most one second's worth saved up, so a configured
/// 50/s gives 50 sends per second, not less, and never a burst of more than 50.
actor TokenBucket {
    private let rate: Double
    private let capacity: Double
    private var tokens: Double
    private var refilledAt: Double
    private let clock: any EngineClock

    init(rate: Double, clock: any EngineClock) {
        self.rate = rate
        self.capacity = max(1, rate)
        self.tokens = max(1, rate)
        self.clock = clock
        self.refilledAt = clock.now()
    }

    /// Waits until a token is free and takes it.
    func acquire() async throws {
        guard rate > 0, rate.isFinite else { return }
        while true {
            let now = clock.now()
            tokens = min(capacity, tokens + (now - refilledAt) * rate)
            refilledAt = now
            if tokens >= 1 {
                tokens -= 1
                return
            }
            // At least a millisecond: a shorter wait is lost in the clock's resolution.
            try await clock.sleep(seconds: max(0.001, (1 - tokens) / rate))
        }
    }
}
