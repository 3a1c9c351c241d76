import CustomerStore
import Foundation
import PostgresNIO

/// What a running daemon needs from a PostgreSQL store besides ticks and dispatch: its
/// heartbeat in the `daemon` table (read by `campaignd status`), one-click unsubscribes, a ping
/// for the watchdog and `/healthz`, and the queue's depth for `/metrics`.
extension PostgresStore: ConsentWithdrawing {
    /// Writes the heartbeat of the daemon `owner` (this process): its row, `seen_at` now by the
    /// server's clock (inserted at its first beat, with `started_at`); rows of daemons not heard
    /// of for `DaemonRecord.keptSeconds` are deleted.
    public func heartbeat(owner: String, version: String, http: String?) async throws {
        let info = ProcessInfo.processInfo
        let (host, pid) = (info.hostName, Int64(info.processIdentifier))
        try await inTransaction(deadline: Self.daemonDeadline) { connection in
            try await connection.execute(
                """
                INSERT INTO daemon(owner, host, pid, version, http, started_at, seen_at)
                VALUES (?, ?, ?, ?, ?, \(Self.serverNow), \(Self.serverNow))
                ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at, http = excluded.http, stopped_at = NULL
                """,
                [owner.sqlValue, host.sqlValue, pid.sqlValue, version.sqlValue, http.sqlValue])
            try await connection.execute(
                "DELETE FROM daemon WHERE seen_at < \(Self.serverNow) - ?", [DaemonRecord.keptSeconds.sqlValue])
        }
    }

    /// Marks `owner`'s row stopped (a graceful shutdown), by the server's clock.
    public func signOff(owner: String) async throws {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.execute(
                "UPDATE daemon SET stopped_at = \(Self.serverNow), seen_at = \(Self.serverNow) WHERE owner = ?", [owner.sqlValue])
        }
    }

    /// The daemons heard of in the last `seconds` (by the server's clock), most recently seen
    /// first, each with the sends it holds in flight; and the server's clock now.
    public func daemons(seenWithin seconds: Int64) async throws -> (daemons: [DaemonRecord], now: Int64) {
        let operation = "read the daemons"
        return try await inSnapshot(for: operation) { snapshot in
            let now = try await snapshot.rows("SELECT \(Self.serverNow)")
            let rows = try await snapshot.rows(
                """
                SELECT d.owner, d.host, d.pid, d.version, d.http, d.started_at, d.seen_at, d.stopped_at,
                       (SELECT count(*) FROM send s WHERE s.status = 'in_flight' AND s.owner = d.owner)
                FROM daemon d WHERE d.seen_at >= \(Self.serverNow) - ? ORDER BY d.seen_at DESC, d.owner
                """, arguments: [seconds.sqlValue])
            let daemons = rows.map { row in
                DaemonRecord(
                    owner: row[0].string ?? "", host: row[1].string ?? "",
                    pid: row[2].int64 ?? 0, version: row[3].string ?? "",
                    http: row[4].string, startedAt: row[5].int64 ?? 0,
                    seenAt: row[6].int64 ?? 0, stoppedAt: row[7].int64,
                    inFlight: row[8].int64 ?? 0)
            }
            return (daemons, now[0][0].int64 ?? 0)
        }
    }

    /// As `CustomerStore.withdrawConsent`: the same SQL, in one transaction that locks the
    /// customer's row, so two withdrawals for one customer write one row.
    public func withdrawConsent(externalID: String, channel: String, at: Int64, source: String) async throws -> ConsentWithdrawal {
        guard CustomerStore.consentChannels.contains(channel) else { throw StoreError.unknownChannel(channel) }
        return try await inTransaction(deadline: Self.daemonDeadline) { connection -> ConsentWithdrawal in
            let rows = try await connection.rows(
                CustomerStore.consentStatusSQL(channel: channel) + " FOR UPDATE OF c", [externalID.sqlValue])
            guard let row = rows.first, let id = row[0].int64 else { return .unknownCustomer }
            if row[1].string == "withdrawn" { return .alreadyWithdrawn }
            let stamp = max(at, row[2].int64 ?? at)
            try await connection.execute(
                CustomerStore.withdrawalSQL,
                [id.sqlValue, channel.sqlValue, stamp.sqlValue, source.sqlValue])
            return .withdrawn
        }
    }

    /// Answers when the server does.
    public func ping() async throws {
        _ = try await withConnection(deadline: Self.daemonDeadline) { try await $0.rows("SELECT 1") }
    }

    /// Queued rows due at `now` (`SendLog.dueCount`'s SQL).
    public func dueCount(now: Int64) async throws -> Int {
        try await withConnection(deadline: Self.daemonDeadline) { connection in
            try await connection.rows(SendLog.dueCountSQL, [now.sqlValue])[0][0].int ?? 0
        }
    }
}
