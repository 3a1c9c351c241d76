import RuleLanguage

/// How the dispatcher sends: how many at once, how fast per channel, and how it retries.
public struct DispatchPolicy: Sendable {
    /// Sends in flight at once, across channels.
    public var concurrency: Int
    /// Sends per second per channel; a channel without an entry is not limited.
    public var ratePerSecond: [Channel: Double]
    /// On shutdown, in-flight sends finish; each is bounded by its channel's timeout.
    public var retry: RetryPolicy

    public init(concurrency: Int, ratePerSecond: [Channel: Double], retry: RetryPolicy) {
        self.concurrency = max(1, concurrency)
        self.ratePerSecond = ratePerSecond
        self.retry = retry
    }
}
