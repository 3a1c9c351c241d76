import CustomerStore
import Foundation
import NIOCore
import PostgresNIO

/// A tick's transaction on PostgreSQL: one repeatable-read snapshot that the rule evaluation
/// reads, and the decisions it records, committed together.
public struct PostgresTickTransaction: SQLRowReader, Sendable {
    let connection: PostgresConnection

    public func rows(_ sql: String, arguments: [SQLValue] = []) async throws -> [[SQLValue]] {
        try await connection.rows(sql, arguments)
    }

    /// Records `decisions` with the SQLite store's conflict rule (`DecisionWriter.onConflict`:
    /// one row per rule, customer and window; a skip becomes a send, anything else stays) and
    /// returns the send ids of the rows written; the others changed nothing.
    ///
    /// The decisions go with `COPY` into a temporary table (with their order), then into the send
    /// log with one `INSERT … SELECT … ORDER BY` carrying the conflict rule, so rows are numbered
    /// in decision order as SQLite's are. (A thousand-row `INSERT … VALUES` a statement, 18 bound
    /// parameters a row, spent most of a 1M-customer tick binding and parsing.)
    public func record(_ decisions: [SendDecision]) async throws -> Set<String> {
        guard !decisions.isEmpty else { return [] }
        try await connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS campaignd_tick_decision (
                seq bigint, send_id text, rule text, rule_hash text, customer_id bigint, channel text, target text,
                window_key bigint, decided_at bigint, status text, reason text, evidence json, due_at bigint, updated_at bigint,
                journey text, step text, purpose text, coupon text, variant text
            ) ON COMMIT DELETE ROWS
            """)
        let columns = ["seq"] + DecisionWriter.insertColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try await connection.copyFrom(table: "campaignd_tick_decision", columns: columns, logger: PostgresSQL.quiet) { writer in
            var start = decisions.startIndex
            while start < decisions.endIndex {
                let end = min(start + 10_000, decisions.endIndex)
                var buffer = ByteBuffer()
                for index in start..<end {
                    CopyText.append([Int64(index).sqlValue] + DecisionWriter.values(of: decisions[index]), to: &buffer)
                }
                try await writer.write(buffer)
                start = end
            }
        }
        let rows = try await connection.rows(
            """
            INSERT INTO send(\(DecisionWriter.insertColumns))
            SELECT \(DecisionWriter.insertColumns) FROM campaignd_tick_decision ORDER BY seq
            \(DecisionWriter.onConflict)
            RETURNING send_id
            """)
        // The table outlives the transaction on this connection: empty it for the next call now
        // (commit would too, `ON COMMIT DELETE ROWS`).
        try await connection.execute("TRUNCATE campaignd_tick_decision")
        var written = Set<String>(minimumCapacity: rows.count)
        for row in rows {
            if let sendID = row[0].string { written.insert(sendID) }
        }
        return written
    }

    /// A tick that writes fewer rule decisions than this leaves the send log's statistics to
    /// autovacuum.
    public static let analyzeAfterRows = 1_000

    /// Refreshes the planner's statistics of the send log (`ANALYZE send`), counting this
    /// transaction's rows, so they are current when the tick commits its queue.
    ///
    /// A claim (`PostgresStore.claimSQL`) takes a few rows in `send_due` order; planned with
    /// statistics from before the tick's rows, PostgreSQL thought the queue nearly empty and
    /// chose to read and sort all of it for each claim (bench/dispatch-postgres: up to 5,000
    /// rows sorted for every 4 claimed, 1–2 ms a claim) until autovacuum next analysed the table.
    public func analyzeSendLog() async throws {
        try await connection.execute("ANALYZE send")
    }
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
    ///
    /// With `rehearse`, the transaction is rolled back instead (what `plan` shows for journeys),
    /// after waiting for the lock rather than giving up when another daemon's tick holds it.
    public func inTickTransaction<T: Sendable>(rehearse: Bool = false, _ body: (PostgresTickTransaction) async throws -> T)
        async throws -> T?
    {
        try await withConnection { connection -> T? in
            if rehearse {
                try await connection.execute("SELECT pg_advisory_lock(?)", [Self.tickLock.sqlValue])
            } else {
                let locked = try await connection.rows("SELECT pg_try_advisory_lock(?)", [Self.tickLock.sqlValue])
                guard let granted = locked.first.flatMap({ $0[0].bool }), granted else { return nil }
            }
            let result: T
            do {
                result = try await Self.transaction(on: connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ", commit: !rehearse) {
                    try await $0.execute(Self.noJIT)
                    return try await body(PostgresTickTransaction(connection: $0))
                }
            } catch {
                try? await connection.execute("SELECT pg_advisory_unlock(?)", [Self.tickLock.sqlValue])
                throw error
            }
            try await connection.execute("SELECT pg_advisory_unlock(?)", [Self.tickLock.sqlValue])
            return result
        }
    }

    /// Queued rows, due now or later (`SendLog.queuedCount`'s SQL).
    public func queuedCount() async throws -> Int {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.rows(SendLog.queuedCountSQL)[0][0].int ?? 0
        }
    }
}
