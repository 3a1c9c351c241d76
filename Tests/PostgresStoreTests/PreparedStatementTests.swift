import CustomerStore
import Foundation
import GRDB
import PostgresNIO
@testable import PostgresStore
import Testing
import TestSupport

/// A dispatcher's statements are prepared once per connection (`PreparedStatements`): the
/// registry gives each statement text one slot with fixed parameter types, and runs that cannot
/// use it go unnamed.
@Suite("PostgreSQL prepared statements")
struct PreparedStatementTests {
    @Test("a statement keeps its slot, numbered and typed by its first run without NULL")
    func slotsAreKept() {
        let registry = PreparedStatements(capacity: 4)
        #expect(registry.slot(for: "SELECT ? + ?", types: [.int8, .int8]) == 0)
        #expect(registry.entry(0) == PreparedStatements.Entry(sql: "SELECT $1 + $2", types: [.int8, .int8]))
        #expect(registry.slot(for: "SELECT ? + ?", types: [.int8, .int8]) == 0)
        #expect(registry.slot(for: "SELECT ? + ?", types: [nil, .int8]) == 0, "a NULL binds to any type")
        #expect(registry.slot(for: "SELECT ? + ?", types: [.text, .int8]) == nil, "other types run unnamed")
        #expect(registry.slot(for: "SELECT ? + ?", types: [.int8]) == nil)
        #expect(registry.slot(for: "BEGIN", types: []) == 1)
        #expect(registry.entry(1) == PreparedStatements.Entry(sql: "BEGIN", types: []))
    }

    @Test("a statement first run with a NULL argument waits for a run that fixes every type")
    func nullLeavesTypesOpen() {
        let registry = PreparedStatements(capacity: 4)
        #expect(registry.slot(for: "SELECT coalesce(?, 'none')", types: [nil]) == nil)
        #expect(registry.slot(for: "SELECT 1", types: []) == 0)
        #expect(registry.slot(for: "SELECT coalesce(?, 'none')", types: [.text]) == 1)
    }

    @Test("a statement finding every slot taken runs unnamed")
    func fullRegistry() {
        let registry = PreparedStatements(capacity: 2)
        #expect(registry.slot(for: "SELECT 1", types: []) == 0)
        #expect(registry.slot(for: "SELECT 2", types: []) == 1)
        #expect(registry.slot(for: "SELECT 3", types: []) == nil)
        #expect(registry.slot(for: "SELECT 1", types: []) == 0)
        #expect(PreparedStatements.shared.capacity == PreparedStatements.slotTypes.count)
        #expect(Set(PreparedStatements.slotTypes.map { $0.name }).count == 64)
    }

    @Test("run prepared, a statement is prepared once on its connection and gives the unnamed run's rows")
    func preparedOnTheConnection() async throws {
        let test = try await PostgresTestStore()
        defer { Task { await test.store.close() } }
        let sql = "SELECT ?::bigint * 2 AS doubled, ? || '!' AS shouted -- PreparedStatementTests"
        let (rows, prepared) = try await test.store.withConnection { connection in
            var rows: [[SQLValue]] = []
            for value in [1, 2, 3] as [Int64] {
                rows += try await connection.rows(sql, [value.sqlValue, "hi".sqlValue], prepared: true)
            }
            // Other types: unnamed, with the same result.
            rows += try await connection.rows(sql, ["4".sqlValue, "hi".sqlValue], prepared: true)
            rows += try await connection.rows(sql, [5.sqlValue, SQLValue.null], prepared: true)
            let prepared = try await connection.rows(
                "SELECT name, statement, parameter_types::text FROM pg_prepared_statements WHERE statement LIKE '%PreparedStatementTests'")
            return (rows, prepared)
        }
        func row(_ doubled: Int64, _ shouted: String?) -> [SQLValue] { [doubled.sqlValue, shouted.sqlValue] }
        let expected: [[SQLValue]] = [row(2, "hi!"), row(4, "hi!"), row(6, "hi!"), row(8, "hi!"), row(10, nil)]
        #expect(rows == expected)
        #expect(prepared.count == 1, "\(prepared)")
        let slot = try #require(PreparedStatements.shared.slot(for: sql, types: [.int8, .text]))
        let statement: [String?] = [
            "campaignd_\(slot)", "SELECT $1::bigint * 2 AS doubled, $2 || '!' AS shouted -- PreparedStatementTests", "{bigint,text}",
        ]
        #expect(prepared.first?.map { $0.string } == statement)
    }

    @Test("a dispatcher's claim, BEGIN and COMMIT are prepared statements of its connection")
    func claimIsPrepared() async throws {
        let test = try await PostgresTestStore(poolSize: 1)
        let store = test.store
        defer { Task { await store.close() } }
        _ = try test.psql("""
            INSERT INTO customer(external_id) VALUES ('C1');
            INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at, due_at)
            SELECT 'send-' || g, 'r', 'h', (SELECT id FROM customer), 'webhook', 't', g, 0, 'queued', 0, 1000
            FROM generate_series(1, 10) AS g
            """)
        var claimed: [String] = []
        for _ in 0..<3 {
            claimed += try await store.claimDue(limit: 2, now: 1000, owner: "a", leaseSeconds: 60) { _, _ in () }.sends.map(\.sendID)
        }
        #expect(claimed == (1...6).map { "send-\($0)" })
        // The pool's only connection ran the claims.
        let statements = try await store.withConnection { connection in
            try await connection.rows("SELECT statement FROM pg_prepared_statements").compactMap { $0[0].string }
        }
        #expect(statements.contains(PostgresSQL.numbered(PostgresStore.claimSQL)), "\(statements)")
        #expect(statements.contains("BEGIN"), "\(statements)")
        #expect(statements.contains("COMMIT"), "\(statements)")
    }
}
