@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// How a tick's decisions land in the send log; the columns and the one-row-per-window rule on both
/// stores (`TestStore(on:)`), the refusal and the index migration SQLite's own.
@Suite("Recording a tick's decisions")
struct SendLogRecordTests {
    static func decision(
        _ customer: Int64, rule: String = "r", window: Int64 = 1, status: SendStatus = .queued, reason: String? = nil,
        target: String = "t", evidence: String = #"{"orders >= 2":3}"#, sendID: String? = nil
    ) -> SendDecision {
        SendDecision(
            sendID: sendID ?? String(format: "%032x", customer * 1000 + window), rule: rule, ruleHash: "h", customerID: customer,
            channel: "email", target: target, windowKey: window, decidedAt: 1_000 * window, status: status, reason: reason,
            evidence: evidence, dueAt: status == .queued ? 1_000 * window : nil)
    }

    func customers(_ test: TestStore, _ count: Int) async throws {
        let rows = (1...count).map { "C\($0),c\($0)@example.fi" }.joined(separator: "\n")
        try await test.load(.customers, test.file("c.csv", "id,email\n" + rows + "\n"))
    }

    /// Records `decisions` in one tick's transaction of the store the test runs on (SQLite's
    /// `SendLog.record`, PostgreSQL's `PostgresTickTransaction.record`); the rows written.
    func record(_ test: TestStore, _ decisions: [SendDecision]) async throws -> Int {
        guard let postgres = test.postgres else { return try test.store.sendLog.record(decisions) }
        return try #require(try await postgres.inTickTransaction { try await $0.record(decisions).count })
    }

    @Test("every value lands in its column: NULLs stay NULL, an empty text stays empty, not NULL", arguments: StoreKind.allCases)
    func columns(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await customers(test, 1)
        var decision = Self.decision(1, status: .skipped, reason: "no_consent", target: "")
        decision.journey = "j"
        decision.step = "s"
        #expect(try await record(test, [decision]) == 1)
        // The row as SQLite gives it, from either store: its values selected back through an
        // in-memory database under the same column names.
        let columns = [
            "send_id", "rule", "rule_hash", "customer_id", "channel", "target", "window_key", "decided_at", "updated_at", "status",
            "reason", "due_at", "coupon", "variant", "journey", "step", "purpose",
        ]
        let values = try #require(try await test.rows(
            "SELECT \(columns.joined(separator: ", ")), CAST(evidence AS TEXT) AS evidence FROM send").first)
        let select = "SELECT " + (columns + ["evidence"]).map { "? AS \($0)" }.joined(separator: ", ")
        let row = try #require(try await DatabaseQueue().read { try Row.fetchOne($0, sql: select, arguments: StatementArguments(values)) })
        #expect(row["send_id"] as String == decision.sendID)
        #expect(row["rule"] as String == "r" && row["rule_hash"] as String == "h" && row["customer_id"] as Int64 == 1)
        #expect(row["channel"] as String == "email" && row["target"] as String? == "")
        #expect(row["window_key"] as Int64 == 1 && row["decided_at"] as Int64 == 1_000 && row["updated_at"] as Int64 == 1_000)
        #expect(row["status"] as String == "skipped" && row["reason"] as String == "no_consent")
        #expect(row["evidence"] as String == #"{"orders >= 2":3}"#)
        #expect(row["due_at"] as Int64? == nil && row["coupon"] as String? == nil && row["variant"] as String? == nil)
        #expect(row["journey"] as String == "j" && row["step"] as String == "s" && row["purpose"] as String == "marketing")
    }

    @Test("one row per rule, customer and window: a skip turns into a send, anything else stays as it is", arguments: StoreKind.allCases)
    func oneRowPerWindow(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await customers(test, 2)
        #expect(try await record(test, [Self.decision(1, status: .skipped, reason: "no_consent"), Self.decision(2)]) == 2)
        // The same skip again, and a second send for customer 2 in the same window: nothing changes.
        #expect(try await record(test, [Self.decision(1, status: .skipped, reason: "no_consent", sendID: "a"), Self.decision(2, sendID: "b")]) == 0)
        // Customer 1 qualifies later in the window: the skip row becomes the send.
        #expect(try await record(test, [Self.decision(1, sendID: "c")]) == 1)
        #expect(try await test.integer("SELECT count(*) FROM send") == 2)
        #expect(try await test.text("SELECT status || ':' || send_id FROM send WHERE customer_id = 1") == "queued:c")
        // A new window is a new row.
        #expect(try await record(test, [Self.decision(2, window: 2)]) == 1)
        #expect(try await test.integer("SELECT count(*) FROM send") == 3)
    }

    @Test("a decision the schema refuses fails as one DatabaseError, and the tick's transaction records nothing")
    func refused() throws {
        let test = try TestStore()
        try test.importFile(.customers, test.file("c.csv", "id,email\nC1,c1@example.fi\n"))
        let error = #expect(throws: DatabaseError.self) {
            try test.store.sendLog.record([Self.decision(1), Self.decision(1, rule: "other", evidence: "not json")])
        }
        #expect(error?.resultCode == .SQLITE_CONSTRAINT)
        #expect(try test.int("SELECT count(*) FROM send") == 0)
        // The writer is usable again after a failure: the next record works.
        #expect(try test.store.sendLog.record([Self.decision(1)]) == 1)
    }

    /// A store in a new temporary directory with the migrations up to `migration` applied (as an
    /// older campaignd left it), open on a plain queue: its directory, path and queue.
    static func store(migratedUpTo migration: String) throws -> (directory: String, path: String, queue: DatabaseQueue) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/store.sqlite"
        let queue = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(queue, upTo: migration)
        return (directory, path, queue)
    }

    @Test("a store made before v5 loses send_by_rule_customer and keeps its rows; limits read the unique index")
    func oneRuleIndex() throws {
        let (directory, path, old) = try Self.store(migratedUpTo: "v4-variant-winners")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try old.write { db in
            try db.execute(sql: "INSERT INTO customer(id, external_id) VALUES (1, 'C1')")
            try db.execute(sql: """
                INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at)
                VALUES ('s1', 'r', 'h', 1, 'email', 't', 0, 5, 'sent', 5)
                """)
        }
        let indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'send' ORDER BY name"
        #expect(try old.read { try String.fetchAll($0, sql: indexes) }.contains("send_by_rule_customer"))
        try old.close()

        let store = try CustomerStore(path: path)
        #expect(try store.appliedMigrations().contains("v5-send-one-rule-index"))
        let (names, count, plans) = try store.database.read { db in
            let plans = try [
                // Evaluator's limit (`limit once per N days`), Explainer's last send, the journey pass's displacement.
                "SELECT s.customer_id FROM send s WHERE s.rule = 'r' AND s.decided_at > 1 AND s.decided_at <= 9 AND s.status IN ('sent')",
                "SELECT max(decided_at) FROM send WHERE rule = 'r' AND customer_id = 1 AND decided_at <= 9 AND status IN ('sent')",
                "SELECT id FROM send WHERE rule = 'r' AND customer_id = 1 AND decided_at = 5 AND status = 'queued' AND journey IS NULL",
            ].map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)").map { $0["detail"] as String }.joined(separator: "; ")
            }
            return (try String.fetchAll(db, sql: indexes), try Int.fetchOne(db, sql: "SELECT count(*) FROM send"), plans)
        }
        #expect(!names.contains("send_by_rule_customer"))
        #expect(count == 1)
        for plan in plans {
            #expect(plan.contains("USING INDEX") && !plan.contains("SCAN"), "plan: \(plan)")
        }
    }

    @Test("v10 makes send again with its rows, ids and indexes; its checks refuse the same values without IN lists")
    func checksWithoutLists() throws {
        let (directory, path, old) = try Self.store(migratedUpTo: "v9-send-due-by-id")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try old.write { db in
            try db.execute(sql: "INSERT INTO customer(id, external_id) VALUES (1, 'C1'), (2, 'C2')")
            // Ids with a gap, an erased customer (NULL), every status, a lease, a journey step.
            try db.execute(sql: """
                INSERT INTO send(id, send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                 reason, evidence, due_at, attempts, last_error, updated_at, journey, step, purpose, coupon,
                                 variant, owner, lease_until)
                VALUES (3, 's3', 'r', 'h', 1, 'email', 't', 0, 5, 'sent', NULL, '{"orders":2}', NULL, 1, NULL, 6, NULL, NULL, 'marketing', 'C-1', 'a', NULL, NULL),
                       (7, 's7', 'r', 'h', NULL, 'letter', 't', 0, 5, 'failed', NULL, '{}', NULL, 3, 'boom', 7, NULL, NULL, 'marketing', NULL, NULL, NULL, NULL),
                       (8, 's8', 'j/s', 'h', 2, 'webhook', 'crm', 1, 5, 'in_flight', NULL, '{}', 5, 0, NULL, 5, 'j', 's', 'service', NULL, NULL, 'd1', 99),
                       (9, 's9', 'q', 'h', 2, 'email', 't', 1, 5, 'queued', 'held for quiet hours', '{}', 9, 0, NULL, 5, NULL, NULL, 'marketing', NULL, NULL, NULL, NULL),
                       (10, 's10', 'q', 'h', 1, 'email', 't', 1, 5, 'holdout', 'holdout', '{}', NULL, 0, NULL, 5, NULL, NULL, 'marketing', NULL, NULL, NULL, NULL),
                       (11, 's11', 'q', 'h', 1, 'email', 't', 2, 5, 'skipped', 'capped', '{}', NULL, 0, NULL, 5, NULL, NULL, 'marketing', NULL, NULL, NULL, NULL)
                """)
        }
        let indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'send' ORDER BY name"
        let rows = "SELECT * FROM send ORDER BY id"
        let (indexesBefore, rowsBefore) = try old.read { db in
            (try Row.fetchAll(db, sql: indexes), try Row.fetchAll(db, sql: rows))
        }
        let columnsBefore = try old.read { try $0.columns(in: "send").map(\.name) }
        try old.close()

        let store = try CustomerStore(path: path)
        #expect(try store.appliedMigrations().contains("v10-send-checks-without-lists"))
        try store.database.read { db in
            #expect(try Row.fetchAll(db, sql: rows) == rowsBefore)
            #expect(try db.columns(in: "send").map(\.name) == columnsBefore)
            #expect(try Row.fetchAll(db, sql: indexes) == indexesBefore)
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'send'") ?? ""
            #expect(!table.contains("channel IN") && !table.contains("status IN"))
        }
        try store.database.write { db in
            let insert = """
                INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at)
                VALUES (?, 'n', 'h', 1, ?, 't', ?, 5, ?, 5)
                """
            for (index, (channel, status)) in [("sms", "queued"), ("email", "bogus"), ("email", "Queued"), ("Email", "sent")].enumerated() {
                #expect(throws: DatabaseError.self, "\(channel) \(status)") {
                    try db.execute(sql: insert, arguments: ["bad\(index)", channel, index, status])
                }
            }
            for (index, (channel, status)) in [("email", "queued"), ("letter", "in_flight"), ("webhook", "sent"),
                                                ("email", "failed"), ("letter", "holdout"), ("webhook", "skipped")].enumerated() {
                try db.execute(sql: insert, arguments: ["good\(index)", channel, index, status])
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM send WHERE send_id LIKE 'good%'") == 6)
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE send SET status = 'done' WHERE id = 3") }
        }
        // A bulk import on the store that just migrated: its writer changes its temporary
        // storage inside the import's transaction, which a migration that renamed a table
        // (opening the connection's temporary database) would have made impossible.
        let file = "\(directory)/purchases.csv"
        try "customer,order,at,amount\nC1,O1,2025-01-01T10:00:00Z,10.00\nC2,O2,2025-01-02T10:00:00Z,5.00\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        var importer = Importer(store: store, timeZone: TimeZone(identifier: "UTC")!)
        importer.loadPath = .bulk
        let summary = try importer.run(.purchases, path: file)
        #expect(summary.bulk && summary.written == 2)
    }
}
