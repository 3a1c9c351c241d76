import GRDB

/// The tick's enrolment writes, on the writer connection inside the tick's transaction
/// (`DecisionWriter.enrolments()`): they commit with the tick's sends or not at all.
public final class EnrolmentWriter {
    let db: Database
    private let enrolStatement: Statement
    private let advanceStatement: Statement
    private let endStatement: Statement

    init(_ db: Database) throws {
        self.db = db
        enrolStatement = try db.makeStatement(sql: Self.enrolSQL)
        advanceStatement = try db.makeStatement(sql: Self.advanceSQL)
        endStatement = try db.makeStatement(sql: Self.endSQL)
    }

    /// Enrols a customer at `step` (the journey's first), due at `waitEndsAt`; the new row's id,
    /// or nil when the customer already has this entry or an active enrolment of the journey.
    public func enrol(
        journey: String, journeyHash: String, customerID: Int64, enteredAt: Int64, holdout: Bool, step: String,
        waitEndsAt: Int64
    ) throws -> Int64? {
        try enrolStatement.execute(arguments: [
            journey, customerID, enteredAt, journeyHash, holdout, step, enteredAt, waitEndsAt,
        ])
        return db.changesCount > 0 ? db.lastInsertedRowID : nil
    }

    /// Moves an active enrolment on to `step`, whose wait started `since` and ends `waitEndsAt`,
    /// under journey version `journeyHash`.
    public func advance(_ id: Int64, to step: String, since: Int64, waitEndsAt: Int64, journeyHash: String) throws {
        try advanceStatement.execute(arguments: [step, since, waitEndsAt, journeyHash, id])
    }

    /// Ends an active enrolment; false when it had already ended.
    @discardableResult
    public func end(_ id: Int64, as end: EnrolmentEnd, detail: String? = nil, at instant: Int64, journeyHash: String? = nil)
        throws -> Bool
    {
        try endStatement.execute(arguments: [end.rawValue, detail, instant, journeyHash, id])
        return db.changesCount > 0
    }
}
