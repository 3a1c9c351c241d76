import GRDB
import GRDBSQLite

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
    /// A journey step's send: its journey and step (`rule` is then `JOURNEY/STEP`).
    public var journey: String?
    public var step: String?
    /// `marketing` or `service` (`MessagePurpose`).
    public var purpose = "marketing"
    /// The code taken from the rule's coupon pool for a queued send (`CouponWriter.take`).
    public var coupon: String?
    /// For a rule or step with variants: the variant chosen at queueing (then also `target`).
    public var variant: String?

    public init(
        sendID: String, rule: String, ruleHash: String, customerID: Int64, channel: String, target: String, windowKey: Int64,
        decidedAt: Int64, status: SendStatus, reason: String?, evidence: String, dueAt: Int64?,
        journey: String? = nil, step: String? = nil, purpose: String = "marketing", coupon: String? = nil, variant: String? = nil
    ) {
        self.purpose = purpose
        self.coupon = coupon
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
        self.journey = journey
        self.step = step
        self.variant = variant
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
    let db: Database
    /// The tick's segment membership changes, in the same transaction.
    public let membership: SegmentMembershipWriter
    /// Journey enrolments, written in the same transaction (made on first use).
    private var enrolmentWriter: EnrolmentWriter?
    /// Coupon pools, taken from in the same transaction (made on first use).
    private(set) var couponWriter: CouponWriter?

    init(_ db: Database) throws {
        self.db = db
        membership = SegmentMembershipWriter(db)
        statement = try db.makeStatement(sql: """
            INSERT INTO send(\(Self.insertColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            \(Self.onConflict)
            """)
    }

    /// The send log's columns a decision fills, in the order `values(of:)` gives them.
    public static let insertColumns = """
        send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at,
                         status, reason, evidence, due_at, updated_at, journey, step, purpose, coupon, variant
        """

    /// What a decision does to the row its rule, customer and window already have: a skip becomes
    /// a send (or holdout); anything else stays. Both stores' SQL.
    public static let onConflict = """
        ON CONFLICT(rule, customer_id, window_key) DO UPDATE SET
            send_id = excluded.send_id, rule_hash = excluded.rule_hash, decided_at = excluded.decided_at,
            status = excluded.status, reason = excluded.reason, evidence = excluded.evidence,
            due_at = excluded.due_at, updated_at = excluded.updated_at, purpose = excluded.purpose,
            coupon = excluded.coupon, target = excluded.target, variant = excluded.variant
        WHERE send.status = 'skipped' AND excluded.status <> 'skipped'
        """

    /// `decision`'s values for `insertColumns`, in order.
    public static func values(of decision: SendDecision) -> [SQLValue] {
        let values: [any SQLValueConvertible] = [
            decision.sendID, decision.rule, decision.ruleHash, decision.customerID, decision.channel, decision.target,
            decision.windowKey, decision.decidedAt, decision.status.rawValue, decision.reason, decision.evidence, decision.dueAt,
            decision.decidedAt, decision.journey, decision.step, decision.purpose, decision.coupon, decision.variant,
        ]
        return values.map(\.sqlValue)
    }

    /// Records `decision`; false when the row for its rule, customer and window stays unchanged.
    ///
    /// Binds the values straight onto the cached statement, without GRDB's argument array of
    /// boxed values: a tick records some 400,000 decisions at 1M customers.
    public func record(_ decision: SendDecision) throws -> Bool {
        var binding = DirectBinding(statement, on: db)
        binding.text(1, decision.sendID)
        binding.text(2, decision.rule)
        binding.text(3, decision.ruleHash)
        binding.integer(4, decision.customerID)
        binding.text(5, decision.channel)
        binding.text(6, decision.target)
        binding.integer(7, decision.windowKey)
        binding.integer(8, decision.decidedAt)
        binding.text(9, decision.status.rawValue)
        binding.text(10, decision.reason)
        binding.text(11, decision.evidence)
        binding.integer(12, decision.dueAt)
        binding.integer(13, decision.decidedAt)
        binding.text(14, decision.journey)
        binding.text(15, decision.step)
        binding.text(16, decision.purpose)
        binding.text(17, decision.coupon)
        binding.text(18, decision.variant)
        return try binding.step() > 0
    }

    /// A rule send this tick queued for the customer, turned into `skipped`/`capped` because a
    /// journey step of higher priority takes its place under the contact-pressure cap: the first
    /// of `rules` (lowest priority first) with a row queued at `decidedAt`. Returns that rule and
    /// whether the send was held for quiet hours; nil when none of them queued one.
    public func displaceRuleSend(customerID: Int64, decidedAt: Int64, rules: [String]) throws -> (rule: String, held: Bool)? {
        for rule in rules {
            guard let row = try Row.fetchOne(db, sql: Self.displaceableSendSQL, arguments: [rule, customerID, decidedAt])
            else { continue }
            let id: Int64 = row[0]
            try db.execute(sql: Self.displaceSQL, arguments: [id])
            return (rule, row[1])
        }
        return nil
    }

    /// The tick's enrolment writes, on this transaction.
    public func enrolments() throws -> EnrolmentWriter {
        if let enrolmentWriter { return enrolmentWriter }
        let made = try EnrolmentWriter(db)
        enrolmentWriter = made
        return made
    }

    /// The tick's coupon takes, on this transaction.
    public func coupons() throws -> CouponWriter {
        if let couponWriter { return couponWriter }
        let made = try CouponWriter(db)
        couponWriter = made
        return made
    }

    /// Records `decision` after taking a code from `pool` for it when it is queued: with no free,
    /// unexpired code left the decision is recorded as skipped (`no_coupon`) instead, and a code
    /// taken for a decision that changes nothing (already recorded) is put back. Returns whether
    /// a row was written and the status it was written with.
    public func record(_ decision: SendDecision, couponPool pool: String?) throws -> (recorded: Bool, status: SendStatus) {
        guard let pool, decision.status == .queued else { return (try record(decision), decision.status) }
        var decision = decision
        let coupons = try coupons()
        let taken = try coupons.take(from: pool, now: decision.decidedAt)
        if let taken {
            decision.coupon = taken.code
        } else {
            (decision.status, decision.reason, decision.dueAt) = (.skipped, "no_coupon", nil)
            coupons.noteEmpty(pool)
        }
        let recorded = try record(decision)
        if let taken {
            if !recorded { coupons.putBack(taken, into: pool) }
        }
        return (recorded, decision.status)
    }

    /// Runs `body` on this transaction's connection: for the evaluator's queries over what the
    /// tick has written so far (the journey pass reads the rules' sends of this tick).
    public func inTransaction<T>(_ body: (Database) throws -> T) rethrows -> T {
        try body(db)
    }
}

extension DecisionWriter {
    /// The rule sends of this tick a step may displace: queued at `decidedAt` for the customer,
    /// not a journey's (arguments: rule, customer id, decided at). Both stores' SQL.
    public static let displaceableSendSQL = """
        SELECT id, CASE WHEN reason IS NOT NULL THEN 1 ELSE 0 END FROM send
        WHERE rule = ? AND customer_id = ? AND decided_at = ? AND status = 'queued' AND journey IS NULL
        """

    /// Turns a displaced rule send into `skipped`/`capped` (argument: its id). Both stores' SQL.
    public static let displaceSQL = "UPDATE send SET status = 'skipped', reason = 'capped', due_at = NULL WHERE id = ?"
}
