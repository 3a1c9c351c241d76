import CustomerStore
import Foundation
@testable import PostgresStore
import Testing
import TestSupport

/// A batch of deliveries is written with one statement on PostgreSQL (`recordDeliveredSQL`):
/// it must leave every row as the SQLite store's statements for `.sent` do (`SendOutcome.statements`:
/// the update, and the scrub where the customer was erased while the send was in flight).
@Suite("PostgreSQL deliveries recorded with one statement")
struct DeliveredOutcomeTests {
    /// Receipts that an array literal must carry as they are; the second and fifth sends are C2's.
    static let receipts: [String?] = [#"250 ok "queued", \ as 7"#, "x", "NULL", String(repeating: "é", count: 600), "y", nil, "{a,b}"]

    /// A store with three customers and seven sends claimed in flight (C1: send-0, 3 and 6; C2:
    /// send-1 and 4; C3: send-2 and 5); C2 erased since.
    static func claimed() async throws -> (test: PostgresTestStore, sends: [SendRecord]) {
        let test = try await PostgresTestStore()
        _ = try test.psql("""
            INSERT INTO customer(external_id) VALUES ('C1'), ('C2'), ('C3');
            INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                             updated_at, due_at, evidence, attempts)
            SELECT 'send-' || g, 'r', 'h', (SELECT id FROM customer WHERE external_id = 'C' || (1 + g % 3)), 'webhook', 't', g, 0,
                   'queued', 0, 1000, '{"orders": 3}', 1
            FROM generate_series(0, 6) AS g
            """)
        let sends = try await test.store.claimDue(limit: 10, now: 1000, owner: "a", leaseSeconds: 60) { _, _ in () }.sends
        _ = try test.psql("DELETE FROM customer WHERE external_id = 'C2'")
        return (test, sends)
    }

    static func rows(_ test: PostgresTestStore) throws -> [String] {
        try test.psql("""
            SELECT send_id, status, attempts, coalesce(reason, '<null>'), evidence::text, coalesce(last_error, '<null>'), updated_at,
                   coalesce(customer_id::text, '<erased>'), coalesce(due_at::text, '<null>')
            FROM send ORDER BY id
            """)
    }

    @Test("one statement for a batch of deliveries writes the rows the per-outcome statements write")
    func sameRowsAsTheStatements() async throws {
        let (batched, sends) = try await Self.claimed()
        let (oneByOne, sameSends) = try await Self.claimed()
        defer { Task { await batched.store.close(); await oneByOne.store.close() } }
        #expect(sends.count == 7 && sends.map(\.sendID) == sameSends.map(\.sendID))
        func outcomes(_ sends: [SendRecord]) -> [SendOutcome] {
            zip(sends, Self.receipts).enumerated().map { index, pair in
                SendOutcome(pair.0, .sent(attempts: 2 + index, receipt: pair.1), at: 2000 + Int64(index))
            }
        }
        #expect(PostgresStore.deliveredArguments(outcomes(sends)) != nil)
        try await batched.store.record(outcomes(sends))
        try await oneByOne.store.recordOneByOne(outcomes(sameSends))

        let rows = try Self.rows(batched)
        #expect(rows == (try Self.rows(oneByOne)))
        #expect(rows.count == 7)
        // Receipts kept as they came, quotes, backslash, braces and all; C2's taken out (erased meanwhile).
        let c1 = try #require(sends[0].customerID)
        #expect(rows[0] == #"send-0|sent|2|250 ok "queued", \ as 7|{"orders": 3}|<null>|2000|"# + "\(c1)|1000", "\(rows)")
        #expect(rows[1] == "send-1|sent|3|<null>|{}|<null>|2001|<erased>|1000", "\(rows)")
        #expect(rows[2].hasPrefix("send-2|sent|4|NULL|"), "\(rows)")
        #expect(rows[3].hasPrefix("send-3|sent|5|\(String(repeating: "é", count: 500))|"), "cut to 500 characters: \(rows)")
        #expect(rows[4] == "send-4|sent|6|<null>|{}|<null>|2004|<erased>|1000", "\(rows)")
        #expect(rows[5].hasPrefix("send-5|sent|7|<null>|"), "\(rows)")
        #expect(rows[6].hasPrefix("send-6|sent|8|{a,b}|"), "\(rows)")
    }

    @Test("a batch with any outcome other than a delivery is written outcome by outcome")
    func otherOutcomesUseTheStatements() async throws {
        let (test, sends) = try await Self.claimed()
        defer { Task { await test.store.close() } }
        let outcomes = [
            SendOutcome(sends[0], .sent(attempts: 1, receipt: "ok"), at: 2000),
            SendOutcome(sends[1], .retry(attempts: 1, dueAt: 3000, error: "503"), at: 2000),
        ]
        #expect(PostgresStore.deliveredArguments(outcomes) == nil)
        try await test.store.record(outcomes)
        let rows = try Self.rows(test)
        #expect(rows[0].hasPrefix("send-0|sent|1|ok|"), "\(rows)")
        // The erased customer's retry became a skip (the scrub), with its error taken out.
        #expect(rows[1] == "send-1|skipped|1|erased|{}|<null>|2000|<erased>|<null>", "\(rows)")
    }

    @Test("array literals carry quotes, backslashes, commas, braces and NULL")
    func arrayLiterals() {
        #expect(PostgresSQL.arrayLiteral([]) == "{}")
        #expect(PostgresSQL.arrayLiteral(["a", nil, #"b"c\d"#, "{x,y}", "NULL"]) == #"{"a",NULL,"b\"c\\d","{x,y}","NULL"}"#)
    }
}
