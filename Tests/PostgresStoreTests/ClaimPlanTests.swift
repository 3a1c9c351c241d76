import Foundation
@testable import PostgresStore
import Testing
import TestSupport

/// A claim takes the first few due rows of the queue: on PostgreSQL it must read them from
/// `send_due` in the claim's own order and stop, not sort the whole queue for each claim (it
/// did, before `v9-send-due-by-id`: 2 ms a claim for a queue of 5,000, growing with the queue).
@Suite("PostgreSQL claim plan")
struct ClaimPlanTests {
    /// A send log of `rows` rows of one customer, all due at 1000, the first `queued` of them
    /// queued and the rest sent, analysed.
    static func sendLog(_ test: PostgresTestStore, rows: Int, queued: Int) throws {
        _ = try test.psql("""
            INSERT INTO customer(external_id) VALUES ('C1');
            INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                             updated_at, due_at)
            SELECT 'send-' || g, 'r', 'h', (SELECT id FROM customer), 'webhook', 't', g, 0,
                   CASE WHEN g <= \(queued) THEN 'queued' ELSE 'sent' END, 0, 1000
            FROM generate_series(1, \(rows)) AS g;
            ANALYZE send
            """)
    }

    @Test("a claim of 4 rows from a queue of 5,000 reads send_due in order, without sorting the queue")
    func claimReadsTheIndexInOrder() async throws {
        let test = try await PostgresTestStore()
        defer { Task { await test.store.close() } }
        try Self.sendLog(test, rows: 5000, queued: 5000)
        // Every row is due at the same instant, so only `id` orders them.
        let plan = try test.server.explain(PostgresStore.claimSQL, literals: ["'a'", "60", "1000", "1000", "4"], database: test.database)
        #expect(plan.contains { $0.contains("Index Scan using send_due on send") }, "\(plan.joined(separator: "\n"))")
        #expect(!plan.contains { $0.contains("Sort") }, "\(plan.joined(separator: "\n"))")

        let claimed = try await test.store.claimDue(limit: 4, now: 1000, owner: "a", leaseSeconds: 60) { _, _ in () }
        #expect(claimed.sends.map(\.sendID) == ["send-1", "send-2", "send-3", "send-4"])
    }

    @Test("prepared, the claim's generic plan reads send_due in order and looks the claimed rows up by key")
    func genericClaimPlan() async throws {
        let test = try await PostgresTestStore()
        defer { Task { await test.store.close() } }
        // A queue of 50,000 in a log of 100,000: the generic plan of `id IN (SELECT …)` (checked)
        // hash-joins the claimed ids with a scan of the whole log.
        try Self.sendLog(test, rows: 100_000, queued: 50_000)
        let plan = try test.psql("""
            SET plan_cache_mode = force_generic_plan;
            PREPARE claim(text, bigint, bigint, bigint, bigint) AS \(PostgresSQL.numbered(PostgresStore.claimSQL));
            EXPLAIN EXECUTE claim('a', 60, 1000, 1000, 4)
            """)
        let text = plan.joined(separator: "\n")
        #expect(plan.contains { $0.contains("Index Scan using send_due on send") }, "\(text)")
        #expect(plan.contains { $0.contains("Index Scan using send_pkey on send") }, "\(text)")
        #expect(!plan.contains { $0.contains("Sort") || $0.contains("Seq Scan") }, "\(text)")
    }
}
