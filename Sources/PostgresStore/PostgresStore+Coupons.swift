import CustomerStore
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Adds the codes of the file at `path` to `pool`, as `CustomerStore.importCoupons` does on
    /// SQLite: the same file checks (`CouponFile.entries`), all or nothing in one transaction (a
    /// code already in another pool and nothing is written), a code already in the pool taking
    /// the file's expiry, the pool's free codes queued again, the same summary. The codes go with
    /// `COPY` into a staging table first.
    ///
    /// - Throws: `CouponImportError` for bad lines or codes of other pools, `PostgresStoreError`
    ///   when the server fails.
    public func importCoupons(pool: String, path: String, timeZone: TimeZone, now: Int64) async throws -> CouponImportSummary {
        let entries = try CouponFile.entries(pool: pool, path: path, timeZone: timeZone)
        do {
            return try await inTransaction { connection in
                try await connection.execute(
                    "CREATE TEMP TABLE campaignd_coupon_stage (code text NOT NULL, expires_at bigint, line bigint NOT NULL) ON COMMIT DROP")
                try await connection.copyFrom(table: "campaignd_coupon_stage", columns: ["code", "expires_at", "line"], logger: PostgresSQL.quiet) { writer in
                    var start = 0
                    while start < entries.count {
                        var buffer = ByteBuffer()
                        for entry in entries[start..<min(start + 10_000, entries.count)] {
                            CopyText.escape(entry.code, into: &buffer)
                            buffer.writeString(entry.expiresAt.map { "\t\($0)\t" } ?? "\t\\N\t")
                            buffer.writeString("\(entry.line)\n")
                        }
                        try await writer.write(buffer)
                        start += 10_000
                    }
                }
                let elsewhere = try await connection.rows("""
                    SELECT s.line, s.code, c.pool FROM campaignd_coupon_stage s JOIN coupon c ON c.code = s.code
                    WHERE c.pool <> ? ORDER BY s.line
                    """, [pool.sqlValue])
                if !elsewhere.isEmpty {
                    throw CouponImportError(problems: elsewhere.map { row in
                        "\(path):\(row[0].int64 ?? 0): code '\(row[1].string ?? "")' is already in pool '\(row[2].string ?? "")'"
                    })
                }
                let updated = try await connection.count("""
                    WITH updated AS (
                        UPDATE coupon c SET expires_at = s.expires_at FROM campaignd_coupon_stage s
                        WHERE c.code = s.code AND c.expires_at IS DISTINCT FROM s.expires_at RETURNING 1
                    ) SELECT count(*) FROM updated
                    """)
                let inserted = try await connection.count("""
                    WITH inserted AS (
                        INSERT INTO coupon(code, pool, place, expires_at, imported_at)
                        SELECT s.code, ?, 0, s.expires_at, ? FROM campaignd_coupon_stage s
                        WHERE NOT EXISTS (SELECT 1 FROM coupon c WHERE c.code = s.code) ORDER BY s.line RETURNING 1
                    ) SELECT count(*) FROM inserted
                    """, [pool.sqlValue, now.sqlValue])
                let written = updated + inserted
                if written > 0 {
                    try await connection.execute(CouponQueue.requeueSQL(.postgres), [pool.sqlValue, pool.sqlValue, pool.sqlValue])
                }
                return CouponImportSummary(codes: entries.count, written: written, unchanged: entries.count - written)
            }
        } catch let error as CouponImportError {
            throw error
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "import coupons \(pool) \(path)")
        }
    }
}
