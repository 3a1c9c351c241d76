import RuleLanguage

/// How the dispatcher sends: how many at once, how fast per channel, and how it retries.
public struct DispatchPolicy: Sendable {
    /// Sends in flight at once, across channels.
    public var concurrency: Int
    /// Sends per second per channel; a channel without an entry is not limited.
    public var ratePerSecond: [Channel: Double]
    public var retry: RetryPolicy
    /// On shutdown, how long in-flight sends may take to finish before the dispatcher gives up on
    /// them (they stay `in_flight` and are resent, with the same send id, at the next start).
    public var shutdownGrace: Double

    public init(concurrency: Int, ratePerSecond: [Channel: Double], retry: RetryPolicy, shutdownGrace: Double = 30) {
        self.concurrency = max(1, concurrency)
        self.ratePerSecond = ratePerSecond
        self.retry = retry
        self.shutdownGrace = shutdownGrace
    }
}
