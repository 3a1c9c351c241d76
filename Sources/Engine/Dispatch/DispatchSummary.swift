/// What a dispatcher run did, by outcome.
public struct DispatchSummary: Sendable, Equatable {
    public var sent = 0
    /// Retryable failures put back in the queue with a later due time.
    public var retried = 0
    public var failed = 0
    /// Not sent because consent, suppression or the customer changed since the tick.
    public var skipped = 0
    /// Put back until the customer's quiet hours end.
    public var held = 0

    public var total: Int { sent + retried + failed + skipped + held }

    /// For the summary of one send: `sent`, `retried`, `failed`, `skipped` or `held`.
    var onlyOutcome: String? {
        guard total == 1 else { return nil }
        if sent == 1 { return "sent" }
        if retried == 1 { return "retried" }
        if failed == 1 { return "failed" }
        if skipped == 1 { return "skipped" }
        return "held"
    }

    mutating func add(_ other: DispatchSummary) {
        sent += other.sent
        retried += other.retried
        failed += other.failed
        skipped += other.skipped
        held += other.held
    }
}
