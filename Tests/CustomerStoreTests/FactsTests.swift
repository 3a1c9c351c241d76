@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// Facts kept by the store itself (SQLite's triggers; PostgreSQL's triggers and its import's own
/// statements): every test on both stores.
@Suite("Per-customer facts")
struct FactsTests {
    private func storeWithCustomers(on kind: StoreKind, _ ids: [String] = ["C1", "C2"]) async throws -> TestStore {
        let test = try await TestStore(on: kind)
        try await test.load(.customers, test.file("customers.csv", "id\n" + ids.joined(separator: "\n") + "\n"))
        return test
    }

    @Test("out-of-order purchases give the right count, total, first and last purchase", arguments: StoreKind.allCases)
    func outOfOrder(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        try await test.load(.purchases, test.file("p.csv", """
            customer,order,at,amount,currency
            C1,O3,2025-03-01T12:00:00Z,30.00,EUR
            C1,O1,2025-01-01T12:00:00Z,10.50,EUR
            C2,O9,2025-02-01T12:00:00Z,99.99,EUR
            C1,O2,2025-02-01T12:00:00Z,20.25,EUR

            """))
        let facts = try #require(try await test.factsRow("C1"))
        #expect(facts["orders"] == 3)
        #expect(facts["spent_minor"] == 6075 as Int64)
        #expect(facts["first_purchase_at"] == utc(2025, 1, 1, 12))
        #expect(facts["last_purchase_at"] == utc(2025, 3, 1, 12))
        let other = try #require(try await test.factsRow("C2"))
        #expect(other["orders"] == 1)
        #expect(other["spent_minor"] == 9999 as Int64)
    }

    @Test("importing the same purchases again, or in another order, changes nothing", arguments: StoreKind.allCases)
    func repeated(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        let path = try test.file("p.csv", "customer,order,at,amount\nC1,O1,2025-01-01,10\nC1,O2,2025-01-05,5\n")
        try await test.load(.purchases, path)
        let before = try await test.factsRow("C1")
        let summary = try await test.load(.purchases, path)
        #expect(summary.unchanged == 2 && summary.written == 0)
        try await test.load(.purchases, test.file("q.csv", "customer,order,at,amount\nC1,O2,2025-01-05,5\nC1,O1,2025-01-01,10\n"))
        let after = try await test.factsRow("C1")
        #expect(after == before, "before: \(String(describing: before)), after: \(String(describing: after))")
        #expect(before?["orders"] == 2)
        #expect(before?["spent_minor"] == 1500 as Int64)
    }

    @Test("a corrected purchase (new amount, time or customer) moves the facts with it", arguments: StoreKind.allCases)
    func corrected(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        try await test.load(.purchases, test.file("p.csv", "customer,order,at,amount\nC1,O1,2025-01-01T00:00:00Z,10\nC1,O2,2025-02-01T00:00:00Z,20\n"))
        try await test.load(.purchases, test.file("fix.csv", "customer,order,at,amount\nC2,O2,2025-03-01T00:00:00Z,25\n"))
        let c1 = try #require(try await test.factsRow("C1"))
        #expect(c1["orders"] == 1)
        #expect(c1["spent_minor"] == 1000 as Int64)
        #expect(c1["last_purchase_at"] == utc(2025, 1, 1))
        let c2 = try #require(try await test.factsRow("C2"))
        #expect(c2["orders"] == 1)
        #expect(c2["spent_minor"] == 2500 as Int64)
        #expect(c2["first_purchase_at"] == utc(2025, 3, 1))
    }

    @Test("facts stay right for an outside writer that inserts, updates and deletes with plain SQL", arguments: StoreKind.allCases)
    func outsideWriter(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        for statement in [
            """
            INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES
                (1, 'A', 100, 1000, 'EUR'), (1, 'B', 300, 2000, 'EUR'), (1, 'C', 200, 500, 'EUR')
            """,
            "UPDATE purchase SET amount_minor = 700 WHERE order_ref = 'C'",
            "DELETE FROM purchase WHERE order_ref = 'B'",
        ] {
            try await test.execute(statement)
        }
        let facts = try #require(try await test.factsRow("C1"))
        #expect(facts["orders"] == 2)
        #expect(facts["spent_minor"] == 1700 as Int64)
        #expect(facts["first_purchase_at"] == 100 as Int64)
        #expect(facts["last_purchase_at"] == 200 as Int64)
        // Every facts row equals a full re-aggregation.
        let mismatches = try await test.integer("""
            SELECT count(*) FROM customer_facts f LEFT JOIN
                (SELECT customer_id, count(*) AS n, sum(amount_minor) AS s, min(at) AS lo, max(at) AS hi FROM purchase GROUP BY customer_id) p
                ON p.customer_id = f.customer_id
            WHERE f.orders IS DISTINCT FROM coalesce(p.n, 0) OR f.spent_minor IS DISTINCT FROM coalesce(p.s, 0)
               OR f.first_purchase_at IS DISTINCT FROM p.lo OR f.last_purchase_at IS DISTINCT FROM p.hi
            """)
        #expect(mismatches == 0)
    }

    @Test("the latest NPS, CSAT and CES answers are the facts, whatever order they arrive in", arguments: StoreKind.allCases)
    func feedback(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        try await test.load(.feedback, test.file("f.csv", """
            customer,kind,score,at,comment
            C1,nps,9,2025-05-01T10:00:00Z,
            C1,nps,3,2025-06-01T10:00:00Z,"Late, again"
            C1,nps,10,2025-04-01T10:00:00Z,
            C1,csat,4,2025-05-15T10:00:00Z,
            """))
        let facts = try #require(try await test.factsRow("C1"))
        #expect(facts["nps_score"] == 3)
        #expect(facts["nps_at"] == utc(2025, 6, 1, 10))
        #expect(facts["csat_score"] == 4)
        #expect(facts["ces_score"] == nil as Int?)
        #expect(facts["last_feedback_at"] == utc(2025, 6, 1, 10))
        #expect(try await test.integer("SELECT count(*) FROM feedback WHERE score = 3 AND comment = 'Late, again'") == 1)
    }

    @Test("consent follows the latest record; a withdrawal at the same instant as a grant wins", arguments: StoreKind.allCases)
    func consent(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        try await test.load(.consents, test.file("c.csv", """
            customer,channel,status,at,basis
            C1,email,granted,2025-01-01T00:00:00Z,consent
            C1,email,withdrawn,2025-02-01T00:00:00Z,consent
            C1,letter,granted,2025-01-01T00:00:00Z,legitimate_interest
            C2,email,granted,2025-03-01T00:00:00Z,consent
            C2,email,withdrawn,2025-03-01T00:00:00Z,consent
            """))
        let c1 = try #require(try await test.factsRow("C1"))
        #expect(c1["email_consent"] == "withdrawn")
        #expect(c1["letter_consent"] == "granted")
        #expect(c1["webhook_consent"] == nil as String?)
        #expect(try await test.factsRow("C2")?["email_consent"] == "withdrawn")
        // Granting again later re-opens the channel.
        try await test.load(.consents, test.file("again.csv", "customer,channel,status,at\nC1,email,granted,2025-04-01T00:00:00Z\n"))
        #expect(try await test.factsRow("C1")?["email_consent"] == "granted")
    }

    @Test("event facts count each name and keep the first and last time", arguments: StoreKind.allCases)
    func events(on kind: StoreKind) async throws {
        let test = try await storeWithCustomers(on: kind)
        defer { test.closeLater() }
        try await test.load(.events, test.file("e.csv", """
            customer,name,at
            C1,cart_abandoned,2025-01-03T00:00:00Z
            C1,cart_abandoned,2025-01-01T00:00:00Z
            C1,newsletter_signup,2025-01-02T00:00:00Z
            """))
        let facts = "FROM customer_event_facts WHERE name = 'cart_abandoned'"
        #expect(try await test.integer("SELECT count \(facts)") == 2)
        #expect(try await test.integer("SELECT first_at \(facts)") == utc(2025, 1, 1))
        #expect(try await test.integer("SELECT last_at \(facts)") == utc(2025, 1, 3))
        #expect(try await test.factsRow("C1")?["last_event_at"] == utc(2025, 1, 3))
        try await test.execute("DELETE FROM event WHERE at = \(utc(2025, 1, 3))")
        #expect(try await test.integer("SELECT count \(facts)") == 1)
        #expect(try await test.factsRow("C1")?["last_event_at"] == utc(2025, 1, 2))
    }
}
