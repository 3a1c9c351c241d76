import GRDB

/// The send log (outbox): the one place that reads and changes the `send` table's rows for the
/// dispatcher, `log` and health. A tick's decisions are recorded through `DecisionWriter`, inside
/// the tick's transaction.
///
/// Every method is one transaction. Outcomes (`record`, and the one-send forms `markSent`,
/// `retry`, `markFailed`, `hold`, `finish`) also take personal data out of the row again when the
/// customer was erased while the send was in flight (`CustomerStore.scrubSendLog`). Statements
/// are cached per connection: the dispatcher runs the same few once per send.
public struct SendLog: Sendable {
    let database: DatabasePool

    /// Claims up to `limit` rows due at `now` (earliest first), marking them `in_flight` in a
    /// committed transaction, before the caller does any network I/O.
    public func claimDue(limit: Int, now: Int64) async throws -> [SendRecord] {
        try await database.write { db in
            try SendRecord.fetchAll(db.cachedStatement(sql: Self.claimSQL), arguments: [now, limit])
        }
    }

    /// Claims due rows (arguments: now, limit). The redundant first `status IN (…)` term repeats
    /// the partial index `send_due`'s own WHERE, so SQLite can use it; without it every claim
    /// scans the whole send log.
    static let claimSQL = """
        UPDATE send SET status = 'in_flight', updated_at = ?1
        WHERE id IN (SELECT id FROM send WHERE \(dueIndexTerm) AND status = 'queued' AND due_at <= ?1
                     ORDER BY due_at, id LIMIT ?2)
        RETURNING *
        """

    /// The WHERE term that lets SQLite read the partial index `send_due` (docs/store.md).
    public static let dueIndexTerm = "status IN ('queued', 'in_flight')"

    /// Puts rows a crash left `in_flight` back in the queue, due by `now`, with their send ids.
    /// Returns how many.
    @discardableResult
    public func recoverInFlight(now: Int64) throws -> Int {
        try database.write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE send SET status = 'queued', due_at = min(coalesce(due_at, ?1), ?1), updated_at = ?1
                    WHERE \(Self.dueIndexTerm) AND status = 'in_flight'
                    """
            ).execute(arguments: [now])
            return db.changesCount
        }
    }

    /// The earliest due time of a queued row, if any.
    public func nextDue() throws -> Int64? {
        try database.read { db in
            try Int64.fetchOne(db, sql: Self.nextDueSQL)
        }
    }

    /// Queued rows due at `now` (the queue depth).
    public func dueCount(now: Int64) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: Self.dueCountSQL, arguments: [now]) ?? 0
        }
    }

    /// The earliest due time of a queued row (NULL when none): both stores' SQL.
    public static let nextDueSQL = "SELECT min(due_at) FROM send WHERE \(dueIndexTerm) AND status = 'queued'"

    /// Queued rows due at the argument.
    public static let dueCountSQL = "SELECT count(*) FROM send WHERE \(dueIndexTerm) AND status = 'queued' AND due_at <= ?"

    /// Queued rows, due now or later: both stores' SQL.
    public static let queuedCountSQL = "SELECT count(*) FROM send WHERE \(dueIndexTerm) AND status = 'queued'"

    /// Queued rows, due now or later.
    public func queuedCount() throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: Self.queuedCountSQL) ?? 0
        }
    }

    /// Delivered: `sent`, with the receiver's receipt (cut to 500 characters) as the reason.
    public func markSent(_ send: SendRecord, attempts: Int, receipt: String?, now: Int64) async throws {
        try await record([SendOutcome(send, .sent(attempts: attempts, receipt: receipt), at: now)])
    }

    /// A retryable failure: back to `queued`, due at `dueAt`, with the error (cut to 500 characters).
    public func retry(_ send: SendRecord, attempts: Int, dueAt: Int64, error: String, now: Int64) async throws {
        try await record([SendOutcome(send, .retry(attempts: attempts, dueAt: dueAt, error: error), at: now)])
    }

    /// A permanent failure: `failed`, with the error; on a hard bounce the customer's address on
    /// the send's channel is suppressed (reason `hard_bounce`) in the same transaction.
    public func markFailed(_ send: SendRecord, attempts: Int, error: String, hardBounce: Bool, now: Int64) async throws {
        try await record([SendOutcome(send, .failed(attempts: attempts, error: error, hardBounce: hardBounce), at: now)])
    }

    /// Held for quiet hours: back to `queued`, due at `until`.
    public func hold(_ send: SendRecord, until: Int64, now: Int64) async throws {
        try await record([SendOutcome(send, .held(until: until), at: now)])
    }

    /// Ends a send without delivering it: `skipped` (no consent, suppressed or erased at
    /// dispatch) or `failed` (gave up retrying), with the reason.
    public func finish(_ send: SendRecord, status: SendStatus, reason: String, attempts: Int? = nil, now: Int64) async throws {
        try await record([SendOutcome(send, .finished(status: status, reason: reason, attempts: attempts), at: now)])
    }
}

extension CustomerStore {
    /// The send log of this store.
    public var sendLog: SendLog { SendLog(database: database) }
}
