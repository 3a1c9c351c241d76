/// What erasing one customer removed and kept (`CustomerStore.erase`).
public struct Erasure: Sendable, Equatable, Codable {
    /// The external id the erasure was asked for.
    public var customer: String
    /// Rows deleted with the customer record.
    public var purchases = 0
    public var events = 0
    public var feedback = 0
    public var consents = 0
    public var tags = 0
    /// Send-log rows of the customer, kept without personal data (evidence, errors, receipts).
    public var sendsScrubbed = 0
    /// Of those, rows that were queued or in flight and are now skipped with reason `erased`.
    public var sendsCancelled = 0
    /// Channels whose address is now suppressed by its hash, in channel order.
    public var suppressed: [String] = []
    /// Whether the write-ahead log was checkpointed and truncated afterwards, so the old pages
    /// are gone from it (false when a reader kept it busy; a later checkpoint does it).
    public var walTruncated = false

    public init(customer: String) {
        self.customer = customer
    }

    enum CodingKeys: String, CodingKey {
        case customer, purchases, events, feedback, consents, tags, suppressed
        case sendsScrubbed = "sends_scrubbed"
        case sendsCancelled = "sends_cancelled"
        case walTruncated = "wal_truncated"
    }
}
