import CustomerStore
import GRDB
import PostgresNIO

/// A tick's transaction on PostgreSQL: one repeatable-read snapshot that the rule evaluation
/// reads, and the decisions it records, committed together.
public struct PostgresTickTransaction: SQLRowReader {
    let connection: PostgresConnection

    public func rows(_ sql: String, arguments: [DatabaseValue] = []) async throws -> [[DatabaseValue]] {
        try await connection.rows(sql, arguments)
    }

    /// Rows per insert statement: 18 parameters each, under PostgreSQL's 65,535.
    static let batchSize = 1_000

    /// Records `decisions` with the SQLite store's conflict rule (`DecisionWriter.onConflict`:
    /// one row per rule, customer and window; a skip becomes a send, anything else stays), a
    /// thousand rows a statement. Returns the send ids of the rows written; the others changed
    /// nothing.
    public func record(_ decisions: [SendDecision]) async throws -> Set<String> {
        var written = Set<String>()
        var start = decisions.startIndex
        while start < decisions.endIndex {
            let batch = decisions[start..<min(start + Self.batchSize, decisions.endIndex)]
            start = batch.endIndex
            let rows = Array(repeating: Self.rowTemplate, count: batch.count).joined(separator: ",\n")
            let sql = "INSERT INTO send(\(DecisionWriter.insertColumns))\nVALUES \(rows)\n\(DecisionWriter.onConflict)\nRETURNING send_id"
            for row in try await connection.rows(sql, batch.flatMap(DecisionWriter.values(of:))) {
                if let sendID = String.fromDatabaseValue(row[0]) { written.insert(sendID) }
            }
        }
        return written
    }

    /// One row of `DecisionWriter.insertColumns`, each value cast to its column's type (a batch
    /// whose column is NULL throughout still has a type).
    static let rowTemplate =
        "(?::text, ?::text, ?::text, ?::bigint, ?::text, ?::text, ?::bigint, ?::bigint, ?::text, ?::text, ?::json, ?::bigint, "
        + "?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text)"
}

extension PostgresStore {
    /// The advisory lock a tick holds for its transaction: one daemon evaluates a tick at a time.
    public static let tickLock: Int64 = 0x6361_6D70_7469_636B  // "camptick"

    /// Runs `body` in a tick's transaction (`REPEATABLE READ`) holding the tick lock, and commits
    /// what it recorded; nil, without running it, when another daemon's tick holds the lock.
    ///
    /// The lock is the connection's (`pg_try_advisory_lock`), taken before the transaction
    /// begins and released after it ends: the snapshot is then taken after the previous holder's
    /// commit, so a tick that follows another at the same instant reads its decisions (and finds
    /// them unchanged) instead of failing to serialize against rows it cannot see. A connection
    /// that dies releases its locks with it.
    public func inTickTransaction<T: Sendable>(_ body: (PostgresTickTransaction) async throws -> T) async throws -> T? {
        try await withConnection { connection -> T? in
            let locked = try await connection.rows("SELECT pg_try_advisory_lock(?)", [Self.tickLock.databaseValue])
            guard let granted = locked.first.flatMap({ Bool.fromDatabaseValue($0[0]) }), granted else { return nil }
            let result: T
            do {
                result = try await Self.transaction(on: connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ") {
                    try await body(PostgresTickTransaction(connection: $0))
                }
            } catch {
                try? await connection.execute("SELECT pg_advisory_unlock(?)", [Self.tickLock.databaseValue])
                throw error
            }
            try await connection.execute("SELECT pg_advisory_unlock(?)", [Self.tickLock.databaseValue])
            return result
        }
    }

    /// Queued rows, due now or later (`SendLog.queuedCount`'s SQL).
    public func queuedCount() async throws -> Int {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            Int.fromDatabaseValue(try await connection.rows(SendLog.queuedCountSQL)[0][0]) ?? 0
        }
    }
}
