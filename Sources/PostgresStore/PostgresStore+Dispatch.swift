import CustomerStore
import PostgresNIO

/// The send log's dispatch side on PostgreSQL, where several daemons dispatch from one store.
///
/// A claim marks the rows with its dispatcher's owner id and a lease (`lease_until`), taking
/// only rows no other transaction holds (`FOR UPDATE SKIP LOCKED`): two dispatchers never claim
/// the same row. A live dispatcher renews its leases while it sends (`renewClaims`); a row whose
/// lease ran out belonged to a dispatcher that died, and goes back in the queue with its send id
/// (`recoverExpiredClaims`), so another daemon's live claims are never taken from it.
///
/// Leases are timed by the database server's clock (`serverNow`), not the dispatchers': daemons
/// on machines whose clocks differ, and a `run --once --at` dispatching as of another instant,
/// judge them alike. `now` (the engine's clock) decides only what is due and `updated_at`.
extension PostgresStore {
    /// The server's clock in whole Unix seconds, in SQL.
    static let serverNow = "floor(extract(epoch FROM clock_timestamp()))::bigint"

    /// Marks up to `limit` queued rows due at `now` in flight for `owner`, leased for
    /// `leaseSeconds` by the server's clock, earliest first, then runs `reading` on them in the
    /// same transaction (the consent re-check) and commits both.
    public func claimDue<T: Sendable>(
        limit: Int, now: Int64, owner: String, leaseSeconds: Int64,
        reading: @escaping @Sendable (PostgresSnapshot, [SendRecord]) async throws -> T
    ) async throws -> (sends: [SendRecord], read: T) {
        try await inTransaction(deadline: Self.daemonDeadline) { connection in
            let rows = try await connection.namedRows(
                Self.claimSQL, [owner.sqlValue, leaseSeconds.sqlValue, now.sqlValue, now.sqlValue, limit.sqlValue],
                prepared: true)
            // RETURNING keeps no order: the batch goes out earliest first, as the claim chose it.
            let sends = try rows.map(SendRecord.init(row:)).sorted { ($0.dueAt ?? 0, $0.id) < ($1.dueAt ?? 0, $1.id) }
            return (sends, try await reading(PostgresSnapshot(connection: connection, prepares: true), sends))
        }
    }

    /// Claims due rows (arguments: owner, lease seconds, now, now, limit). The redundant first
    /// `status IN (…)` term repeats the partial index `send_due`'s own WHERE, as in SQLite.
    ///
    /// It is prepared (`PreparedStatements`), and so is planned for any arguments once the server
    /// settles on a generic plan: `id = ANY(ARRAY(…))` keeps that plan a primary-key lookup of the
    /// claimed ids whatever the row estimates (`id IN (…)` could become a hash join over a scan of
    /// the whole log). It returns `SendRecord`'s columns by name, not `*`: a prepared statement
    /// whose result columns changed (a migration adding one while the daemon runs) fails at every run.
    static let claimSQL = """
        UPDATE send SET status = 'in_flight', owner = ?, lease_until = \(serverNow) + ?, updated_at = ?
        WHERE id = ANY(ARRAY(SELECT id FROM send WHERE \(SendLog.dueIndexTerm) AND status = 'queued' AND due_at <= ?
                             ORDER BY due_at, id LIMIT ? FOR UPDATE SKIP LOCKED))
        RETURNING \(SendRecord.columnNames.joined(separator: ", "))
        """

    /// Writes `outcomes` atomically. Deliveries alone, the common batch, are one statement
    /// (`recordDeliveredSQL`, its ids in ascending order); any other batch is one transaction of
    /// the statements the SQLite store runs (`SendOutcome.statements`), rows in id order (as every
    /// statement here that locks several send rows takes them, so two never wait for each other;
    /// should the server still find a deadlock, the batch fails and its senders write again).
    public func record(_ outcomes: [SendOutcome]) async throws {
        guard !outcomes.isEmpty else { return }
        let sorted = outcomes.sorted { $0.send.id < $1.send.id }
        if let delivered = Self.deliveredArguments(sorted) {
            try await withConnection(deadline: Self.daemonDeadline) { try await $0.execute(Self.recordDeliveredSQL, delivered, prepared: true) }
        } else {
            try await recordOneByOne(sorted)
        }
    }

    /// `record` with each outcome's own statements, in one transaction.
    func recordOneByOne(_ outcomes: [SendOutcome]) async throws {
        try await inTransaction(deadline: Self.daemonDeadline) { connection in
            for outcome in outcomes {
                for statement in outcome.statements { try await connection.execute(statement.sql, statement.arguments, prepared: true) }
            }
        }
    }

    /// Records deliveries (arguments: arrays of ids, attempts, receipts, instants and whether to
    /// scrub, `deliveredArguments`) with what `SendOutcome.statements` writes for `.sent`: the
    /// update, then, where the customer was erased meanwhile (`customer_id` is NULL now and was
    /// not at the claim), the scrub of `CustomerStore.scrubSendLog`, which for a sent row takes the
    /// receipt and the evidence out. One statement for the batch: one round trip and no
    /// transaction around it, where the statements cost two per send and a `BEGIN` and `COMMIT`.
    static let recordDeliveredSQL = """
        UPDATE send s SET status = 'sent', attempts = v.attempts, last_error = NULL,
               reason = CASE WHEN v.scrub AND s.customer_id IS NULL THEN NULL ELSE v.receipt END,
               evidence = CASE WHEN v.scrub AND s.customer_id IS NULL THEN '{}' ELSE s.evidence END,
               updated_at = v.at
        FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::boolean[]) AS v(id, attempts, receipt, at, scrub)
        WHERE s.id = v.id
        """

    /// The arguments of `recordDeliveredSQL` for `outcomes`, nil unless every one is a delivery.
    static func deliveredArguments(_ outcomes: [SendOutcome]) -> [SQLValue]? {
        var ids: [String?] = [], attempts: [String?] = [], receipts: [String?] = [], instants: [String?] = [], scrubs: [String?] = []
        for outcome in outcomes {
            guard case .sent(let tries, let receipt) = outcome.change else { return nil }
            ids.append(String(outcome.send.id))
            attempts.append(String(tries))
            receipts.append(receipt.map { String($0.prefix(500)) })
            instants.append(String(outcome.at))
            scrubs.append(outcome.send.customerID == nil ? "f" : "t")
        }
        return [ids, attempts, receipts, instants, scrubs].map { PostgresSQL.arrayLiteral($0).sqlValue }
    }

    /// Renews the lease of the rows of `ids` that `owner` has in flight, for `leaseSeconds` from
    /// now by the server's clock; returns how many. A row locked meanwhile is having its outcome
    /// written, and is skipped rather than waited for: waiting on the dispatcher's own outcome
    /// writes could deadlock with them.
    @discardableResult
    public func renewClaims(owner: String, ids: [Int64], leaseSeconds: Int64) async throws -> Int {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.rows(
                """
                UPDATE send SET lease_until = \(Self.serverNow) + ?
                WHERE id = ANY(ARRAY(SELECT id FROM send WHERE status = 'in_flight' AND owner = ?
                                       AND id = ANY(string_to_array(?, ',')::bigint[])
                                     ORDER BY id FOR UPDATE SKIP LOCKED))
                RETURNING id
                """,
                [leaseSeconds.sqlValue, owner.sqlValue, ids.map(String.init).joined(separator: ",").sqlValue],
                prepared: true
            ).count
        }
    }

    /// Puts rows whose lease has run out by the server's clock (or that never had one: copied
    /// from a SQLite store in flight) back in the queue, due by `now`, with their send ids;
    /// returns how many. A locked row is being written by a live dispatcher, and is left to it.
    @discardableResult
    public func recoverExpiredClaims(now: Int64) async throws -> Int {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.rows(
                """
                UPDATE send SET status = 'queued', due_at = least(coalesce(due_at, ?), ?), owner = NULL, lease_until = NULL,
                       updated_at = ?
                WHERE id = ANY(ARRAY(SELECT id FROM send WHERE status = 'in_flight' AND (lease_until IS NULL OR lease_until < \(Self.serverNow))
                                     ORDER BY id FOR UPDATE SKIP LOCKED))
                RETURNING id
                """, Array(repeating: now.sqlValue, count: 3), prepared: true
            ).count
        }
    }

    /// The earliest due time of a queued row, if any.
    public func nextDue() async throws -> Int64? {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.rows(SendLog.nextDueSQL, prepared: true)[0][0].int64
        }
    }

    /// Ends an active enrolment, as `Enrolments.end`: whether one was ended.
    @discardableResult
    public func endEnrolment(
        journey: String, customerID: Int64, enteredAt: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64
    ) async throws -> Bool {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await !connection.rows(
                Enrolments.endSQL + " RETURNING id",
                [end.rawValue.sqlValue, detail.sqlValue, instant.sqlValue, journey.sqlValue,
                 customerID.sqlValue, enteredAt.sqlValue]
            ).isEmpty
        }
    }

    /// `error` as a one-line `PostgresStoreError` naming `operation` and this store.
    public func explaining(_ error: any Error, operation: String) -> any Error {
        PostgresStoreError.explaining(error, location: location, operation: operation)
    }
}
