@testable import CustomerStore
import Foundation
import GRDB
import Testing

/// Migration `v11-coupon-integer-key`: `coupon` keyed by an integer, the code unique, codes
/// handed out in the same order as before, nothing lost.
@Suite("coupon table keyed by an integer")
struct CouponKeyMigrationTests {
    /// Every column but the new key, by code.
    static let rowsSQL = """
        SELECT code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at FROM coupon ORDER BY code
        """
    /// Free, unexpired codes of pool P at instant 10, in the order a tick takes them.
    static let freeOrderSQL = """
        SELECT code FROM coupon WHERE pool = 'P' AND send_id IS NULL AND (expires_at IS NULL OR expires_at > 10)
        ORDER BY expires_at, code
        """

    @Test("a store made before v11 keeps every code and its state; a tick takes free codes in the same order, by key")
    func keepsCodesAndOrder() throws {
        let (directory, path, old) = try SendLogRecordTests.store(migratedUpTo: "v10-send-checks-without-lists")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try old.write { db in
            try db.execute(sql: "INSERT INTO customer(id, external_id) VALUES (1, 'C1')")
            try db.execute(sql: """
                INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at, coupon)
                VALUES ('s1', 'r', 'h', 1, 'email', 't', 0, 5, 'sent', 5, 'A-1')
                """)
            // Free and taken, with and without an expiry, expired, redeemed; not in code order.
            try db.execute(sql: """
                INSERT INTO coupon(code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at) VALUES
                    ('Z-0', 'P', NULL, 1, NULL, NULL, NULL), ('B-2', 'P', NULL, 1, NULL, NULL, NULL),
                    ('A-9', 'P', 100, 2, NULL, NULL, NULL), ('C-3', 'P', 50, 2, NULL, NULL, NULL),
                    ('D-4', 'P', 5, 2, NULL, NULL, NULL), ('A-1', 'P', NULL, 1, 's1', 5, 7),
                    ('Q-1', 'Q', NULL, 3, NULL, NULL, 9)
                """)
        }
        let (rowsBefore, orderBefore) = try old.read { db in
            (try Row.fetchAll(db, sql: Self.rowsSQL), try String.fetchAll(db, sql: Self.freeOrderSQL))
        }
        #expect(orderBefore == ["B-2", "Z-0", "C-3", "A-9"])
        try old.close()

        let store = try CustomerStore(path: path)
        #expect(try store.appliedMigrations().contains("v11-coupon-integer-key"))
        try store.database.write { db in
            #expect(try Row.fetchAll(db, sql: Self.rowsSQL) == rowsBefore)
            #expect(try String.fetchAll(db, sql: Self.freeOrderSQL) == orderBefore)
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            let columns = try Row.fetchAll(db, sql: "SELECT name, type, pk FROM pragma_table_info('coupon') ORDER BY cid")
            #expect(columns.first.map { [$0["name"] as String, $0["type"] as String, String($0["pk"] as Int)] } == ["id", "INTEGER", "1"])
            #expect(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'coupon_free'")
                == "CREATE INDEX coupon_free ON coupon(pool, expires_at, code) WHERE send_id IS NULL")
            #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name LIKE 'coupon_v10%'").isEmpty)
            // The code stays unique.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO coupon(code, pool, imported_at) VALUES ('B-2', 'Q', 1)")
            }
            // The writer reads the free codes with their keys, in order, and marks them by key.
            let writer = try CouponWriter(db)
            var taken: [CouponWriter.Code] = []
            while let code = try writer.take(from: "P", now: 10) { taken.append(code) }
            #expect(taken.map(\.code) == orderBefore)
            for code in taken {
                #expect(try String.fetchOne(db, sql: "SELECT code FROM coupon WHERE id = ?", arguments: [code.id]) == code.code)
                writer.hold(code, for: "send-\(code.code)", now: 11)
            }
            try writer.assignHeld()
            #expect(try Row.fetchAll(db, sql: "SELECT code, send_id, assigned_at FROM coupon WHERE assigned_at = 11 ORDER BY code")
                .map { "\($0["code"] as String) \($0["send_id"] as String)" } == ["A-9 send-A-9", "B-2 send-B-2", "C-3 send-C-3", "Z-0 send-Z-0"])
            #expect(try String.fetchAll(db, sql: Self.freeOrderSQL).isEmpty)
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
        }
    }
}
