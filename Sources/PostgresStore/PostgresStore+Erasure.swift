import CustomerStore
import Foundation

extension PostgresStore {
    /// Erases the customer with external id `externalID` (the right to erasure) in one
    /// transaction, doing what `CustomerStore.erase` does on SQLite with the same SQL: each
    /// address suppressed by its hash (replacing a plain entry), active enrolments ended `left`
    /// (`erased`), the send log scrubbed (`CustomerStore.scrubSendLog`; queued and in-flight rows
    /// skipped), then the customer deleted with its history (foreign keys cascade). The customer
    /// row is locked first, so a daemon's unsubscribe or claim of it waits. PostgreSQL keeps the
    /// deleted rows' bytes in the table files until `VACUUM` reclaims them and new rows overwrite
    /// them, and in its write-ahead log and backups (docs/operations.md): `walTruncated` stays false.
    ///
    /// - Parameter lockTimeout: how long to wait for rows another session holds.
    /// - Throws: `StoreError.unknownCustomer` when there is no such customer (nothing changed).
    public func erase(externalID: String, now: Int64, lockTimeout: Duration = .seconds(60)) async throws -> Erasure {
        let milliseconds = max(lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000, 1)
        return try await inTransaction { connection in
            try await connection.execute("SET LOCAL lock_timeout = \(milliseconds)")
            let addresses = CustomerStore.suppressionChannels.map { SuppressionAddress.sql(channel: $0) }.joined(separator: ", ")
            guard let customer = try await connection.rows(
                "SELECT c.id, \(addresses) FROM customer c WHERE c.external_id = ? FOR UPDATE", [externalID.sqlValue]).first,
                let id = customer[0].int64
            else { throw StoreError.unknownCustomer(externalID: externalID) }
            var erasure = Erasure(customer: externalID)
            for (index, channel) in CustomerStore.suppressionChannels.enumerated() {
                guard let address = customer[index + 1].string, address.contains(where: { $0 != "|" && $0 != " " }) else {
                    continue
                }
                try await connection.execute(
                    "DELETE FROM suppression WHERE channel = ? AND address = ?", [channel.sqlValue, address.sqlValue])
                try await connection.execute(
                    "INSERT INTO suppression(channel, address, reason, at) VALUES (?, ?, 'erased', ?) ON CONFLICT DO NOTHING",
                    [channel.sqlValue, SuppressionAddress.hashed(address).sqlValue, now.sqlValue])
                erasure.suppressed.append(channel)
            }
            let counts = try await connection.rows(
                """
                SELECT (SELECT count(*) FROM purchase WHERE customer_id = ?), (SELECT count(*) FROM event WHERE customer_id = ?),
                       (SELECT count(*) FROM feedback WHERE customer_id = ?), (SELECT count(*) FROM consent WHERE customer_id = ?),
                       (SELECT count(*) FROM customer_tag WHERE customer_id = ?),
                       (SELECT count(*) FROM send WHERE customer_id = ? AND status IN ('queued', 'in_flight'))
                """, Array(repeating: id.sqlValue, count: 6))[0].map { Int($0.int64 ?? 0) }
            (erasure.purchases, erasure.events, erasure.feedback, erasure.consents, erasure.tags, erasure.sendsCancelled) =
                (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
            try await connection.execute(
                "UPDATE enrolment SET ended = 'left', ended_detail = 'erased', ended_at = ? WHERE customer_id = ? AND ended IS NULL",
                [now.sqlValue, id.sqlValue])
            erasure.sendsScrubbed = try await connection.count(
                "WITH scrubbed AS (UPDATE send SET \(CustomerStore.scrubSendLog) WHERE customer_id = ? RETURNING 1) SELECT count(*) FROM scrubbed",
                [now.sqlValue, id.sqlValue])
            try await connection.execute("DELETE FROM customer WHERE id = ?", [id.sqlValue])
            return erasure
        }
    }
}
