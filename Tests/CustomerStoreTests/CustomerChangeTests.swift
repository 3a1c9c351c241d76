@testable import CustomerStore
import Foundation
import GRDB
import Testing

/// `customer_change`: every write that can change what a condition reads about a customer marks
/// that customer (and only them) above every earlier mark; lifting a suppression counts apart.
@Suite("Store: customer changes since a journey's entry scan")
struct CustomerChangeTests {
    /// Customers C1…C3 with a purchase each; the store's change mark after that.
    func store() throws -> (TestStore, CustomerChangeMark) {
        let test = try TestStore()
        _ = try test.importFile(.customers, test.file("c.csv", "id,email\nC1,c1@example.fi\nC2,c2@example.fi\nC3,c3@example.fi\n"))
        _ = try test.importFile(.purchases, test.file("p.csv", "customer,order,at,amount,currency\nC1,O1,2026-01-01,10.00,EUR\nC2,O2,2026-01-02,10.00,EUR\nC3,O3,2026-01-03,10.00,EUR\n"))
        return (test, try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) })
    }

    /// External ids of the customers changed since `mark` or with history after `instant`.
    func changed(_ test: TestStore, since mark: CustomerChangeMark, instant: Int64 = Int64.max) throws -> [String] {
        try test.store.inSnapshot { db in
            try String.fetchAll(
                db, sql: "SELECT external_id FROM customer WHERE id IN \(CustomerStore.customersChangedSinceSQL) ORDER BY external_id",
                arguments: [mark.seq, instant])
        }
    }

    @Test("each kind of write marks exactly its customer", arguments: [
        ("purchases", "customer,order,at,amount,currency\nC2,O9,2026-02-01,5.00,EUR\n"),
        ("feedback", "customer,kind,score,at,comment\nC2,nps,3,2026-02-01,\n"),
        ("consents", "customer,channel,status,at,basis\nC2,email,withdrawn,2026-02-01,\n"),
        ("events", "customer,name,at\nC2,cart_abandoned,2026-02-01\n"),
        ("customers", "id,city\nC2,Turku\n"),
    ])
    func marks(kind: String, csv: String) throws {
        let (test, mark) = try store()
        #expect(try changed(test, since: mark).isEmpty)
        _ = try test.importFile(ImportKind(rawValue: kind)!, test.file("x.csv", csv))
        #expect(try changed(test, since: mark) == ["C2"])
        let after = try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) }
        #expect(after.seq > mark.seq)
        #expect(try changed(test, since: after).isEmpty)
    }

    @Test("tags, a purchase deleted by another system, and history dated after an instant")
    func tagsDeletesAndLaterHistory() throws {
        let (test, mark) = try store()
        try test.store.database.write { db in
            try db.execute(sql: "INSERT INTO customer_tag(customer_id, tag) SELECT id, 'vip' FROM customer WHERE external_id = 'C1'")
        }
        #expect(try changed(test, since: mark) == ["C1"])
        let second = try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) }
        try test.store.database.write { try $0.execute(sql: "DELETE FROM purchase WHERE order_ref = 'O3'") }
        #expect(try changed(test, since: second) == ["C3"])
        // C2's purchase (2026-01-02) is after 2026-01-01T12:00Z; C3 has none left.
        let noon = Int64(ISO8601DateFormatter().date(from: "2026-01-01T12:00:00Z")!.timeIntervalSince1970)
        let third = try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) }
        #expect(try changed(test, since: third, instant: noon) == ["C2"])
    }

    @Test("removing or changing a suppression entry counts; adding one does not")
    func suppressionLifted() throws {
        let (test, mark) = try store()
        #expect(mark.suppressionLifted == 0)
        try test.store.database.write { db in
            try db.execute(sql: "INSERT INTO suppression(channel, address, reason, at) VALUES ('email', 'c1@example.fi', 'manual', 1)")
        }
        #expect(try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) }.suppressionLifted == 0)
        try test.store.database.write { try $0.execute(sql: "DELETE FROM suppression") }
        #expect(try test.store.inSnapshot { try CustomerStore.customerChangeMark(in: $0) }.suppressionLifted == 1)
    }
}
