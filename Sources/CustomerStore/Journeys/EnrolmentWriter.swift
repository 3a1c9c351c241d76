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

extension EnrolmentWriter {
    /// Enrols (arguments: journey, customer id, entered at, hash, holdout, step, step since, wait
    /// end); either unique key (the entry occurrence, or one active enrolment per journey and
    /// customer) turns a second enrolment into nothing. (PostgreSQL enrols a batch in one
    /// statement with the same rule: `PostgresJourneyWriter.enrol`.)
    public static let enrolSQL = """
        INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, holdout, step, step_since, wait_ends_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// Moves an enrolment on (arguments: step, since, wait end, hash, id). Both stores' SQL.
    public static let advanceSQL = """
        UPDATE enrolment SET step = ?, step_since = ?, wait_ends_at = ?, journey_hash = ?
        WHERE id = ? AND ended IS NULL
        """

    /// Ends an enrolment (arguments: end, detail, instant, hash or NULL, id). Both stores' SQL.
    public static let endSQL = """
        UPDATE enrolment SET ended = ?, ended_detail = ?, ended_at = ?, journey_hash = coalesce(?, journey_hash)
        WHERE id = ? AND ended IS NULL
        """

    /// Records a journey's entry scan (arguments: journey, signature, scanned at, change seq,
    /// suppressions lifted). Both stores' SQL.
    public static let recordEntryScanSQL = """
        INSERT INTO journey_entry_scan(journey, signature, scanned_at, watermark, suppression_lifted)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(journey) DO UPDATE SET signature = excluded.signature, scanned_at = excluded.scanned_at,
            watermark = excluded.watermark, suppression_lifted = excluded.suppression_lifted
        """

    /// `recordEntryScanSQL`'s arguments for `scan`.
    public static func arguments(of scan: JourneyEntryScan) -> [SQLValue] {
        [scan.journey.sqlValue, scan.signature.sqlValue, scan.scannedAt.sqlValue, scan.mark.seq.sqlValue, scan.mark.suppressionLifted.sqlValue]
    }
}
