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

    @Test("a store made before v5 loses send_by_rule_customer and keeps its rows; limits read the unique index")
    func oneRuleIndex() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/store.sqlite"
        let old = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: "v4-variant-winners")
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
}
