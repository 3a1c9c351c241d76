import CustomerStore
import Foundation
import PostgresStore
import Testing
import TestSupport

/// `PostgresStore.reportRows`: the report's statements, written once for both stores, read their
/// rows in SQLite's order on PostgreSQL too. (That they read the same rows is
/// `StoreCopyCommandTests`' report comparison, through the real binary.)
@Suite("the report's rows on PostgreSQL")
struct PostgresReportRowsTests {
    static let day: Int64 = 1_790_000_000
    /// Rule names whose byte order (SQLite's) is not a dictionary's: capitals first, `-` before `_`.
    static let rules = ["welcome", "a_rule", "Winback", "a-rule"]

    @Test("come in byte order, as SQLite orders them, from a database that sorts text as a dictionary does")
    func byteOrder() async throws {
        let test = try await PostgresTestStore(icuLocale: "en-US")
        defer { Task { await test.store.close() } }
        let byBytes = Self.rules.sorted()
        #expect(byBytes == ["Winback", "a-rule", "a_rule", "welcome"])
        // The database's own order differs, or this test would prove nothing.
        let dictionary = try test.psql(
            "SELECT n FROM (VALUES \(Self.rules.map { "('\($0)')" }.joined(separator: ", "))) AS v(n) ORDER BY n")
        #expect(dictionary != byBytes, "\(dictionary)")

        var statements = ["INSERT INTO customer(external_id) VALUES ('C1'), ('C2')"]
        for (index, rule) in Self.rules.enumerated() {
            for (customer, variant) in [("C1", "\(rule)-B"), ("C2", "\(rule)-a")] {
                let id = "\(rule)-\(customer)"
                statements.append("""
                    INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                     updated_at, variant, coupon)
                    VALUES ('\(id)', '\(rule)', 'h', (SELECT id FROM customer WHERE external_id = '\(customer)'), 'email',
                            '\(variant)', 0, \(Self.day), 'sent', \(Self.day), '\(variant)', 'CODE-\(id)')
                    """)
                statements.append("""
                    INSERT INTO coupon(code, pool, place, imported_at)
                    VALUES ('CODE-\(id)', 'P', \(statements.count), \(Self.day))
                    """)
            }
            // Journey steps decided together, so only their names order them.
            for (journey, step) in [("\(rule)-journey", "Thanks"), ("\(rule)-journey", "tips")] {
                statements.append("""
                    INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                     reason, updated_at, journey, step)
                    VALUES ('\(journey)/\(step)', '\(journey)/\(step)', 'h', (SELECT id FROM customer WHERE external_id = 'C1'),
                            'email', 't', \(index), \(Self.day), 'skipped', '\(index % 2 == 0 ? "no_consent" : "No_consent")',
                            \(Self.day), '\(journey)', '\(step)')
                    """)
            }
        }
        _ = try test.psql(statements.joined(separator: ";\n"))

        let rows = try await test.store.reportRows(
            ReportRows.Request(since: nil, now: Self.day + 30 * 86_400, windowSeconds: 7 * 86_400))
        #expect(rows.weeks.map(\.rule) == byBytes, "\(rows.weeks.map(\.rule))")
        #expect(rows.weeks.allSatisfy { $0.customers == 2 && $0.delivered == 2 && $0.complete && !$0.holdout })
        #expect(rows.variants.map { "\($0.rule) \($0.variant)" } == byBytes.flatMap { ["\($0) \($0)-B", "\($0) \($0)-a"] })
        #expect(rows.coupons.map(\.rule) == byBytes && rows.coupons.allSatisfy { $0.assigned == 2 && $0.delivered == 2 })
        #expect(rows.journeySteps.map { "\($0.journey) \($0.step)" } == byBytes.flatMap { ["\($0)-journey Thanks", "\($0)-journey tips"] })
        #expect(rows.journeySteps.allSatisfy { $0.status == "skipped" && $0.count == 1 })
    }
}
