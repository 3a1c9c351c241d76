@testable import CustomerStore
import Foundation
import GRDB
import Testing

/// Migrations `v11-coupon-integer-key` and `v12-coupon-queue`: `coupon` keyed by an integer, the
/// code unique; then each pool a queue: codes held by a send first, handed out through them,
/// the free ones after in the order they would have gone; nothing lost.
@Suite("coupon table keyed by an integer, each pool a queue")
struct CouponKeyMigrationTests {
    /// Every column both versions have, by code.
    static let rowsSQL = "SELECT code, pool, expires_at, imported_at, redeemed_at FROM coupon ORDER BY code"
    /// Free, unexpired codes of pool P at instant 10, in the order a tick took them before v12.
    static let freeOrderBeforeSQL = """
        SELECT code FROM coupon WHERE pool = 'P' AND send_id IS NULL AND (expires_at IS NULL OR expires_at > 10)
        ORDER BY expires_at, code
        """

    @Test("a store made before v11 keeps every code and its state; a tick takes the free codes in the same order")
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
            (try Row.fetchAll(db, sql: Self.rowsSQL), try String.fetchAll(db, sql: Self.freeOrderBeforeSQL))
        }
        #expect(orderBefore == ["B-2", "Z-0", "C-3", "A-9"])
        try old.close()

        let store = try CustomerStore(path: path)
        #expect(Set(try store.appliedMigrations()).isSuperset(of: ["v11-coupon-integer-key", "v12-coupon-queue"]))
        let pools: [CouponPoolSummary] = try store.couponPools(now: 10)
        #expect(pools == [
            CouponPoolSummary(pool: "P", total: 6, assigned: 1, delivered: 1, redeemed: 1, left: 4, expired: 1),
            CouponPoolSummary(pool: "Q", total: 1, assigned: 0, delivered: 0, redeemed: 1, left: 1, expired: 0),
        ])
        try store.database.write { db in
            #expect(try Row.fetchAll(db, sql: Self.rowsSQL) == rowsBefore)
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            let columns = try Row.fetchAll(db, sql: "SELECT name, type, pk FROM pragma_table_info('coupon') ORDER BY cid")
            #expect(columns.map { $0["name"] as String } == ["id", "code", "pool", "place", "expires_at", "imported_at", "redeemed_at"])
            #expect(columns.first.map { [$0["type"] as String, String($0["pk"] as Int)] } == ["INTEGER", "1"])
            #expect(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'coupon_queue'")
                == "CREATE INDEX coupon_queue ON coupon(pool, place, expires_at)")
            #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name = 'coupon_free' OR name LIKE 'coupon_v1%'").isEmpty)
            // The held code first, the pool handed out through it; the free ones in their old order.
            #expect(try String.fetchAll(db, sql: "SELECT pool || ' ' || handed_through FROM coupon_pool ORDER BY pool") == ["P 1", "Q 0"])
            #expect(try String.fetchAll(db, sql: "SELECT code FROM coupon WHERE pool = 'P' ORDER BY place")
                == ["A-1", "B-2", "Z-0", "D-4", "C-3", "A-9"])
            // The code stays unique.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO coupon(code, pool, place, imported_at) VALUES ('B-2', 'Q', 0, 1)")
            }
            // The writer reads the free codes in order, passes the expired one, and moves the queue on.
            let writer = try CouponWriter(db)
            var taken: [CouponWriter.Code] = []
            while let code = try writer.take(from: "P", now: 10) { taken.append(code) }
            #expect(taken.map(\.code) == orderBefore)
            try writer.advanceQueues()
            #expect(try Int64.fetchOne(db, sql: "SELECT handed_through FROM coupon_pool WHERE pool = 'P'") == taken.last?.place)
            #expect(try Int.fetchOne(db, sql: CouponQueue.freeCountSQL, arguments: ["P", "P", 10]) == 0)
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
        }
    }
}
