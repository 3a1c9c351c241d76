/// Exponential backoff with jitter, up to a maximum age after which a send fails for good.
public struct RetryPolicy: Sendable, Equatable {
    /// Seconds before the first retry.
    public var initialDelay: Double
    /// The longest wait between two attempts.
    public var maxDelay: Double
    /// A send queued longer ago than this is failed instead of retried.
    public var maxAge: Double

    public init(initialDelay: Double, maxDelay: Double, maxAge: Double) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxAge = maxAge
    }

    /// The wait before the next attempt after `attempts` failed ones: `initialDelay × 2^(attempts−1)`
    /// capped at `maxDelay`, then "equal jitter" (between half and all of it, by `random` in 0..<1),
    /// and never sooner than the receiver's `Retry-After`.
    public func delay(afterAttempts attempts: Int, retryAfter: Double?, random: Double) -> Double {
        let exponent = Double(max(0, min(attempts - 1, 60)))
        let base = min(maxDelay, initialDelay * pow2(exponent))
        let jittered = base / 2 + base / 2 * min(max(random, 0), 1)
        return max(jittered, retryAfter ?? 0)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
