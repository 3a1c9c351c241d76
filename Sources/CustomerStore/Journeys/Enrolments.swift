import GRDB

/// Journey enrolments outside a tick: what `explain`, `journeys` and the dispatcher read and
/// change. The tick writes them through `EnrolmentWriter`, in its own transaction. Every method
/// is one transaction.
public struct Enrolments: Sendable {
    let database: DatabasePool

    /// Every enrolment of the customer with external id `externalID`, oldest entry first.
    public func of(customer externalID: String) throws -> [EnrolmentEntry] {
        try database.read { db in
            try Enrolment.fetchAll(db, sql: Self.ofCustomerSQL, arguments: [externalID])
                .map { EnrolmentEntry(enrolment: $0, externalID: externalID) }
        }
    }

    /// Every enrolment of the customer with external id `?`, oldest entry first. Both stores' SQL.
    public static let ofCustomerSQL = """
        SELECT e.* FROM enrolment e JOIN customer c ON c.id = e.customer_id
        WHERE c.external_id = ? ORDER BY e.entered_at, e.id
        """

    /// Every enrolment of `journey` (all journeys when nil), oldest entry first, with external ids.
    public func all(journey: String? = nil) throws -> [EnrolmentEntry] {
        try database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, c.external_id AS customer_external_id FROM enrolment e LEFT JOIN customer c ON c.id = e.customer_id
                    \(journey == nil ? "" : "WHERE e.journey = ?") ORDER BY e.entered_at, e.id
                    """,
                arguments: journey.map { [$0] } ?? [])
            return try rows.map { EnrolmentEntry(enrolment: try Enrolment(row: $0), externalID: $0["customer_external_id"]) }
        }
    }

    /// Per journey: active enrolments by step and version, those still waiting at `now`, and
    /// ended ones by reason (`left` with its detail: `left: step removed`). Journeys in name order.
    public func counts(now: Int64) throws -> [JourneyCounts] {
        try database.read { db in
            let active = try Row.fetchAll(db, sql: JourneyCounts.activeSQL, arguments: [now]).map { row in
                (journey: row[0] as String, step: row[1] as String, version: row[2] as String, customers: row[3] as Int, waiting: row[4] as Int)
            }
            let ended = try Row.fetchAll(db, sql: JourneyCounts.endedSQL).map { row in
                (journey: row[0] as String, reason: row[1] as String, enrolments: row[2] as Int)
            }
            return JourneyCounts.tally(active: active, ended: ended)
        }
    }

    /// Ends the active enrolment a journey send belongs to (journey, customer, and the send's
    /// `window_key`, which is the enrolment's `entered_at`), from the dispatcher. False when it
    /// had already ended.
    @discardableResult
    public func end(
        journey: String, customerID: Int64, enteredAt: Int64, as end: EnrolmentEnd, detail: String? = nil, at instant: Int64
    ) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: Self.endSQL, arguments: [end.rawValue, detail, instant, journey, customerID, enteredAt])
            return db.changesCount > 0
        }
    }

    /// Ends an active enrolment (arguments: end, detail, instant, journey, customer id, entered
    /// at): both stores' SQL.
    public static let endSQL = """
        UPDATE enrolment SET ended = ?, ended_detail = ?, ended_at = ?
        WHERE journey = ? AND customer_id = ? AND entered_at = ? AND ended IS NULL
        """
}

extension CustomerStore {
    /// The journey enrolments of this store.
    public var enrolments: Enrolments { Enrolments(database: database) }
}
