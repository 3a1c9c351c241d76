@testable import CustomerStore
import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// `SQLiteToPostgresCopy`: a generated store arrives whole (every table's rows, the facts the
/// target's triggers build), and a target that holds data is refused.
@Suite("SQLite to PostgreSQL copy", .serialized)
struct SQLiteToPostgresCopyTests {
    /// A generated SQLite store (demo cast included) with sends and suppressions, and its copy.
    static func stores(until: Int64) async throws -> (SQLiteTestStore, PostgresTestStore, SQLiteToPostgresCopy.Report) {
        let sqlite = try SQLiteTestStore()
        let data = sqlite.directory + "/data"
        try SyntheticData(customers: 1500, purchases: 15000, seed: 18, until: until, demo: true).write(to: data)
        for (kind, name) in SyntheticData.files {
            var importer = Importer(store: sqlite.store, timeZone: TimeZone(identifier: "Europe/Helsinki")!)
            importer.onProblem = { Issue.record("import problem: \($0)") }
            _ = try importer.run(kind, path: "\(data)/\(name)")
        }
        let fixture = try StoreFixture(store: sqlite.store)
        let highest = try sqlite.store.highestCustomerID()
        var sends: [SendDecision] = []
        for customer in stride(from: Int64(1), through: highest, by: 5) {
            let rule = ["winback-coupon", "birthday", "key-thank-you-letter", "abandoned-cart", "welcome", "promoter-referral"][Int(customer / 5) % 6]
            let status: SendStatus = customer % 3 == 0 ? .holdout : .sent
            sends.append(StoreFixture.send(rule, customer: customer, at: until - (customer % 200) * 86_400, status: status))
        }
        try fixture.sends(sends)
        let emails = try await sqlite.queue.read { db in
            try String.fetchAll(db, sql: "SELECT lower(trim(email)) FROM customer WHERE email IS NOT NULL AND id % 17 = 0")
        }
        for (index, email) in emails.enumerated() {
            let address = index % 2 == 0 ? email : SuppressionAddress.hashed(email)
            try fixture.suppress(channel: "email", address: address, at: until - Int64(index) * 3_600 * 24)
        }
        let postgres = try await PostgresTestStore()
        let report = try await SQLiteToPostgresCopy(from: sqlite.store, to: postgres.store, pageSize: 700).run()
        return (sqlite, postgres, report)
    }

    @Test("a generated store with sends and suppressions arrives whole: every table's rows and the facts totals")
    func copiesEverything() async throws {
        let (sqlite, postgres, report) = try await Self.stores(until: 1_793_491_200)
        let counts = try sqlite.store.export().counts()
        #expect(report.rows == counts)
        #expect(try await postgres.store.counts() == counts)
        #expect((counts["customer"] ?? 0) > 1500 && (counts["purchase"] ?? 0) > 10_000 && (counts["send"] ?? 0) > 250)
        #expect((counts["suppression"] ?? 0) > 50 && (counts["consent"] ?? 0) > 1000)
        #expect(try await postgres.store.factsTotals() == sqlite.store.export().factsTotals())
        let sample = "SELECT id, external_id, email, birthday, joined_at, time_zone, attributes FROM customer ORDER BY id LIMIT 50"
        let expected = try await sqlite.queue.read { db in
            try Row.fetchAll(db, sql: sample).map { $0.databaseValues.map(\.plainText).joined(separator: "|") }
        }
        #expect(try postgres.psql(sample) == expected)
        // New rows continue after the copied ids.
        let next = try postgres.psql("INSERT INTO customer(external_id) VALUES ('new') RETURNING id")
        #expect(Int64(next.first ?? "") == (try sqlite.store.highestCustomerID()) + 1)
        await postgres.store.close()
    }

    @Test("a target that already holds data is refused and left as it was")
    func refusesNonEmptyTarget() async throws {
        let sqlite = try SQLiteTestStore()
        _ = try StoreFixture(store: sqlite.store).customer(StoreFixture.Customer("C1", email: "a@example.fi"))
        let postgres = try await PostgresTestStore()
        _ = try postgres.psql("INSERT INTO customer(external_id) VALUES ('already-here')")
        await #expect(throws: PostgresStoreError.self) { _ = try await SQLiteToPostgresCopy(from: sqlite.store, to: postgres.store).run() }
        #expect(try postgres.psql("SELECT external_id FROM customer") == ["already-here"])
        await postgres.store.close()
    }

}
