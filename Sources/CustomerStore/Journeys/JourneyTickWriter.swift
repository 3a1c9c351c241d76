import GRDB

/// What a tick's journey part (`JourneyPass`) reads and writes, inside the tick's transaction
/// and after the rules' decisions, which its reads see: the SQLite store's writer
/// (`DecisionWriter`) or the PostgreSQL tick's transaction. Synchronous, as the SQLite writer is;
/// the PostgreSQL store runs the pass on a thread of its own.
public protocol JourneyTickWriter {
    /// Every row of `sql` (with `?` placeholders, in the store's dialect), values as SQLite gives
    /// them (booleans as 0 and 1).
    func journeyRows(_ sql: String, arguments: [SQLValue]) throws -> [[SQLValue]]

    /// Enrols each customer of `entrants`, in order; per entrant, whether it was enrolled (false
    /// when the customer already has this entry or an active enrolment of the journey).
    func enrol(_ entrants: [NewEnrolment]) throws -> [Bool]

    /// Moves an active enrolment on to `step`, waiting since `since` until `waitEndsAt`.
    func advanceEnrolment(_ id: Int64, to step: String, since: Int64, waitEndsAt: Int64, journeyHash: String) throws

    /// Ends an active enrolment; false when it had already ended.
    func endEnrolment(_ id: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64, journeyHash: String?) throws -> Bool

    /// Records a step's decision as `DecisionWriter.record(_:couponPool:)` does; the status it
    /// was written with (skipped `no_coupon` when the pool had no code left).
    func recordStep(_ decision: SendDecision, couponPool: String?) throws -> SendStatus

    /// Turns one of this tick's queued rule sends for the customer into `skipped`/`capped`
    /// (`DecisionWriter.displaceRuleSend`).
    func displaceRuleSend(customerID: Int64, decidedAt: Int64, rules: [String]) throws -> (rule: String, held: Bool)?

    /// Records a journey's entry scan (`JourneyEntryScan`).
    func recordEntryScan(_ scan: JourneyEntryScan) throws
}

/// A customer entering a journey at its first step, due at `waitEndsAt`.
public struct NewEnrolment: Sendable {
    public let journey: String
    public let journeyHash: String
    public let customerID: Int64
    public let enteredAt: Int64
    public let holdout: Bool
    public let step: String
    public let waitEndsAt: Int64

    public init(
        journey: String, journeyHash: String, customerID: Int64, enteredAt: Int64, holdout: Bool, step: String, waitEndsAt: Int64
    ) {
        self.journey = journey
        self.journeyHash = journeyHash
        self.customerID = customerID
        self.enteredAt = enteredAt
        self.holdout = holdout
        self.step = step
        self.waitEndsAt = waitEndsAt
    }
}

extension DecisionWriter: JourneyTickWriter {
    public func journeyRows(_ sql: String, arguments: [SQLValue]) throws -> [[SQLValue]] {
        try Row.fetchAll(db, sql: sql, arguments: StatementArguments(each: arguments)).map(\.sqlValues)
    }

    public func enrol(_ entrants: [NewEnrolment]) throws -> [Bool] {
        let writer = try enrolments()
        return try entrants.map { entrant in
            try writer.enrol(
                journey: entrant.journey, journeyHash: entrant.journeyHash, customerID: entrant.customerID,
                enteredAt: entrant.enteredAt, holdout: entrant.holdout, step: entrant.step, waitEndsAt: entrant.waitEndsAt) != nil
        }
    }

    public func advanceEnrolment(_ id: Int64, to step: String, since: Int64, waitEndsAt: Int64, journeyHash: String) throws {
        try enrolments().advance(id, to: step, since: since, waitEndsAt: waitEndsAt, journeyHash: journeyHash)
    }

    public func endEnrolment(_ id: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64, journeyHash: String?) throws
        -> Bool
    {
        try enrolments().end(id, as: end, detail: detail, at: instant, journeyHash: journeyHash)
    }

    public func recordStep(_ decision: SendDecision, couponPool: String?) throws -> SendStatus {
        try record(decision, couponPool: couponPool).status
    }

    public func recordEntryScan(_ scan: JourneyEntryScan) throws {
        try db.execute(sql: EnrolmentWriter.recordEntryScanSQL, arguments: StatementArguments(each: EnrolmentWriter.arguments(of: scan)))
    }
}
