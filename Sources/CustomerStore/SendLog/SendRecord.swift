import GRDB

/// One row of the send log (`send`), as the dispatcher claims it and `campaignd log` shows it.
public struct SendRecord: Codable, Sendable, Equatable, FetchableRecord {
    /// The row's key in this store.
    public var id: Int64
    /// Stable for the life of the send: the Message-ID, `Idempotency-Key` and `webhook-id` derive from it.
    public var sendID: String
    public var rule: String
    /// The rule file's content hash when the decision was taken.
    public var ruleHash: String
    /// Nil once the customer is erased.
    public var customerID: Int64?
    /// `email`, `letter` or `webhook`.
    public var channel: String
    /// The template or endpoint name.
    public var target: String
    public var windowKey: Int64
    /// The tick's instant (Unix seconds).
    public var decidedAt: Int64
    public var status: SendStatus
    public var reason: String?
    /// The values that made the condition true, as a JSON object.
    public var evidence: String
    public var dueAt: Int64?
    public var attempts: Int
    public var lastError: String?
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, rule, channel, target, status, reason, evidence, attempts
        case sendID = "send_id", ruleHash = "rule_hash", customerID = "customer_id", windowKey = "window_key"
        case decidedAt = "decided_at", dueAt = "due_at", lastError = "last_error", updatedAt = "updated_at"
    }
}

/// A send-log row with the customer's external id, for `campaignd log`.
public struct SendLogEntry: Sendable, Equatable {
    public var record: SendRecord
    /// The customer's id as imported; nil once the customer is erased.
    public var externalID: String?
}

/// Which rows `SendLog.entries` returns; every filter is optional.
public struct SendLogFilter: Sendable {
    public var rule: String?
    /// The customer's external id.
    public var customer: String?
    public var status: SendStatus?
    /// Rows changed at or after this instant.
    public var changedSince: Int64?
    public var limit: Int

    public init(rule: String? = nil, customer: String? = nil, status: SendStatus? = nil, changedSince: Int64? = nil, limit: Int = 50) {
        self.rule = rule
        self.customer = customer
        self.status = status
        self.changedSince = changedSince
        self.limit = limit
    }
}
