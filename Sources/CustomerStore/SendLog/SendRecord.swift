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
    /// The journey and step of a journey step's send (then `rule` is `JOURNEY/STEP`); nil for a rule's.
    public var journey: String?
    public var step: String?
    /// `marketing` or `service`: a service message needs no consent record, is outside the cap
    /// and carries no `List-Unsubscribe`.
    public var purpose: String
    /// The code taken from the rule's coupon pool; nil without a pool, or once released.
    public var coupon: String?
    /// The A/B variant chosen at queueing (also the `target`); nil for a send without variants.
    /// Retries and resends keep it: nothing but the tick that queues a row writes it.
    public var variant: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, rule, channel, target, status, reason, evidence, attempts, journey, step, purpose, coupon, variant
        case sendID = "send_id", ruleHash = "rule_hash", customerID = "customer_id", windowKey = "window_key"
        case decidedAt = "decided_at", dueAt = "due_at", lastError = "last_error", updatedAt = "updated_at"
    }

    /// The `send` columns a record is read from.
    public static let columnNames = CodingKeys.allCases.map(\.rawValue)
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
    /// Rows of this journey's steps (`log --journey`), and of this step of it (`--step`).
    public var journey: String?
    public var step: String?
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

    /// The rows of a journey's steps, or of one step of it.
    public init(journey: String, step: String? = nil, customer: String? = nil, status: SendStatus? = nil, limit: Int = 50) {
        self.init(customer: customer, status: status, limit: limit)
        self.journey = journey
        self.step = step
    }
}
