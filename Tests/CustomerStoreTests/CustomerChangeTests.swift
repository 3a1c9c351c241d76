@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// `customer_change`: every write that can change what a condition reads about a customer marks
/// that customer (and only them) above every earlier mark; lifting a suppression counts apart.
/// On both stores (`TestStore(on:)`): the marks' SQL is the same text on either.
@Suite("Store: customer changes since a journey's entry scan")
struct CustomerChangeTests {
    /// Customers C1…C3 with a purchase each; the store's change mark after that.
    func store(on kind: StoreKind) async throws -> (TestStore, CustomerChangeMark) {
        let test = try await TestStore(on: kind)
        try await test.load(.customers, test.file("c.csv", "id,email\nC1,c1@example.fi\nC2,c2@example.fi\nC3,c3@example.fi\n"))
        try await test.load(.purchases, test.file("p.csv", "customer,order,at,amount,currency\nC1,O1,2026-01-01,10.00,EUR\nC2,O2,2026-01-02,10.00,EUR\nC3,O3,2026-01-03,10.00,EUR\n"))
        return (test, try await mark(test))
    }

    /// The store's change mark now.
    func mark(_ test: TestStore) async throws -> CustomerChangeMark {
        CustomerStore.customerChangeMark(row: try await test.rows(CustomerStore.customerChangeMarkSQL).first ?? [])
    }

    /// External ids of the customers changed since `mark` or with history after `instant`.
    func changed(_ test: TestStore, since mark: CustomerChangeMark, instant: Int64 = Int64.max) async throws -> [String] {
        try await test.rows(
            "SELECT external_id FROM customer WHERE id IN \(CustomerStore.customersChangedSinceSQL) ORDER BY external_id",
            arguments: [mark.seq.sqlValue, instant.sqlValue]
        ).compactMap { $0[0].string }
    }

    @Test("each kind of write marks exactly its customer", arguments: [
        ("purchases", "customer,order,at,amount,currency\nC2,O9,2026-02-01,5.00,EUR\n"),
        ("feedback", "customer,kind,score,at,comment\nC2,nps,3,2026-02-01,\n"),
        ("consents", "customer,channel,status,at,basis\nC2,email,withdrawn,2026-02-01,\n"),
        ("events", "customer,name,at\nC2,cart_abandoned,2026-02-01\n"),
        ("customers", "id,city\nC2,Turku\n"),
    ], StoreKind.allCases)
    func marks(write: (kind: String, csv: String), on store: StoreKind) async throws {
        let (test, mark) = try await self.store(on: store)
        defer { test.closeLater() }
        #expect(try await changed(test, since: mark).isEmpty)
        try await test.load(ImportKind(rawValue: write.kind)!, test.file("x.csv", write.csv))
        #expect(try await changed(test, since: mark) == ["C2"])
        let after = try await self.mark(test)
        #expect(after.seq > mark.seq)
        #expect(try await changed(test, since: after).isEmpty)
    }

    @Test("tags, a purchase deleted by another system, and history dated after an instant", arguments: StoreKind.allCases)
    func tagsDeletesAndLaterHistory(on kind: StoreKind) async throws {
        let (test, mark) = try await store(on: kind)
        defer { test.closeLater() }
        try await test.execute("INSERT INTO customer_tag(customer_id, tag) SELECT id, 'vip' FROM customer WHERE external_id = 'C1'")
        #expect(try await changed(test, since: mark) == ["C1"])
        let second = try await self.mark(test)
        try await test.execute("DELETE FROM purchase WHERE order_ref = 'O3'")
        #expect(try await changed(test, since: second) == ["C3"])
        // C2's purchase (2026-01-02) is after 2026-01-01T12:00Z; C3 has none left.
        let noon = Int64(ISO8601DateFormatter().date(from: "2026-01-01T12:00:00Z")!.timeIntervalSince1970)
        let third = try await self.mark(test)
        #expect(try await changed(test, since: third, instant: noon) == ["C2"])
    }

    @Test("removing or changing a suppression entry counts; adding one does not", arguments: StoreKind.allCases)
    func suppressionLifted(on kind: StoreKind) async throws {
        let (test, mark) = try await store(on: kind)
        defer { test.closeLater() }
        #expect(mark.suppressionLifted == 0)
        try await test.execute("INSERT INTO suppression(channel, address, reason, at) VALUES ('email', 'c1@example.fi', 'manual', 1)")
        #expect(try await self.mark(test).suppressionLifted == 0)
        try await test.execute("DELETE FROM suppression")
        #expect(try await self.mark(test).suppressionLifted == 1)
    }
}
