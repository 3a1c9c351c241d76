import GRDB

/// One decision a tick records in the send log: a new `SendRecord` without its delivery
/// bookkeeping (fields as there; `status` is `queued`, `holdout` or `skipped`, `dueAt` the tick's
/// instant or the end of quiet hours for a queued send).
public struct SendDecision: Sendable {
    public var sendID: String
    public var rule: String
    public var ruleHash: String
    public var customerID: Int64
    public var channel: String
    public var target: String
    public var windowKey: Int64
    public var decidedAt: Int64
    public var status: SendStatus
    public var reason: String?
    public var evidence: String
    public var dueAt: Int64?

    public init(
        sendID: String, rule: String, ruleHash: String, customerID: Int64, channel: String, target: String, windowKey: Int64,
        decidedAt: Int64, status: SendStatus, reason: String?, evidence: String, dueAt: Int64?
    ) {
        self.sendID = sendID
        self.rule = rule
        self.ruleHash = ruleHash
        self.customerID = customerID
        self.channel = channel
        self.target = target
        self.windowKey = windowKey
        self.decidedAt = decidedAt
        self.status = status
        self.reason = reason
        self.evidence = evidence
        self.dueAt = dueAt
    }
}

/// Records a tick's decisions on the writer connection, inside the tick's write transaction
/// (`CustomerStore.withConsistentSnapshots`): they commit together or not at all.
///
/// One row per (rule, customer, limit window): `UNIQUE(rule, customer_id, window_key)` makes a
/// second queueing impossible even when two ticks overlap or a tick is re-run after a crash. A
/// skip row becomes a queued (or holdout) one if the customer qualifies later in the same window;
/// any other existing row stays as it is.
public final class DecisionWriter {
    private let statement: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        statement = try db.makeStatement(sql: """
            INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at,
                             status, reason, evidence, due_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(rule, customer_id, window_key) DO UPDATE SET
                send_id = excluded.send_id, rule_hash = excluded.rule_hash, decided_at = excluded.decided_at,
                status = excluded.status, reason = excluded.reason, evidence = excluded.evidence,
                due_at = excluded.due_at, updated_at = excluded.updated_at
            WHERE send.status = 'skipped' AND excluded.status <> 'skipped'
            """)
    }

    /// Records `decision`; false when the row for its rule, customer and window stays unchanged.
    public func record(_ decision: SendDecision) throws -> Bool {
        try statement.execute(arguments: [
            decision.sendID, decision.rule, decision.ruleHash, decision.customerID, decision.channel, decision.target,
            decision.windowKey, decision.decidedAt, decision.status.rawValue, decision.reason, decision.evidence,
            decision.dueAt, decision.decidedAt,
        ])
        return db.changesCount > 0
    }
}
