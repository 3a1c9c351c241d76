@testable import CustomerStore
import Foundation
import GRDB
import Synchronization
import Testing

@Suite("Store migrations")
struct MigrationTests {
    @Test("a new store runs every migration and sets WAL, foreign keys and a busy timeout")
    func freshStore() throws {
        let test = try TestStore()
        #expect(try test.store.appliedMigrations() == ["v1-customers-and-history", "v1-facts-triggers", "v2-send-log", "v3-segment-membership", "v3-journey-enrolments",
            "v4-send-purpose", "v4-coupon-pools", "v4-send-variant", "v4-variant-winners",
            "v5-send-variant-by-rule", "v5-journey-entry-scans", "v5-send-one-rule-index", "v6-coupon-no-send-index",
            "v7-functions-parallel-unsafe", "v8-send-leases", "v8-instr-function", "v8-daemons", "v9-send-due-by-id",
            "v10-send-checks-without-lists", "v11-coupon-integer-key", "v12-coupon-queue",
        ])
        let journal = try test.string("PRAGMA journal_mode")
        #expect(journal == "wal")
        #expect(try test.int("PRAGMA foreign_keys") == 1)
        #expect(try test.int("PRAGMA busy_timeout") == 10_000)
        let tables = try test.store.database.read {
            try String.fetchSet($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in ["customer", "purchase", "event", "feedback", "consent", "suppression", "customer_facts", "customer_event_facts", "send", "enrolment", "variant_winner", "customer_change", "journey_entry_scan", "coupon", "coupon_pool"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test("reopening a store runs nothing twice and keeps the data")
    func reopen() throws {
        let test = try TestStore()
        try test.importFile(.customers, test.file("c.csv", "id,email\nC1,a@example.fi\n"))
        let again = try CustomerStore(path: test.store.path)
        #expect(try again.appliedMigrations() == test.store.appliedMigrations())
        #expect(try again.appliedMigrations().count == 21)
        #expect(try again.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customer") } == 1)
    }

    @Test("opening tells the migration watch how many migrations run and when they have ended; an up-to-date store tells it nothing")
    func migrationWatch() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        // A store two migrations behind this binary.
        let identifiers = StoreMigrations.migrator.migrations
        let old = try DatabasePool(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: identifiers[identifiers.count - 3])
        try old.close()
        let events = Mutex<[String]>([])
        let watch = MigrationWatch(
            started: { pending in events.withLock { $0.append("started \(pending)") } },
            ended: { events.withLock { $0.append("ended") } })
        let store = try CustomerStore(path: path, migrations: watch)
        #expect(events.withLock { $0 } == ["started 2", "ended"])
        #expect(try store.appliedMigrations() == identifiers)
        _ = try CustomerStore(path: path, migrations: watch)
        #expect(events.withLock { $0 } == ["started 2", "ended"])
    }

    @Test("a store keeps its currency; opening it with another one is an error")
    func currencyIsFixed() throws {
        let test = try TestStore(currency: "EUR")
        #expect(test.store.currency == "EUR")
        #expect(throws: StoreError.self) { try CustomerStore(path: test.store.path, currency: "SEK") }
    }

    @Test("a store with a migration this binary does not know (a newer campaignd wrote it) is refused, naming the migration")
    func newerSchema() throws {
        let test = try TestStore()
        try test.store.database.write { try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-from-the-future')") }
        let error = #expect(throws: StoreError.self) { try CustomerStore(path: test.store.path) }
        guard case .newerSchema(let path, let unknown)? = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
        #expect(path == test.store.path && unknown == ["v99-from-the-future"])
        #expect(!"\(error!)".contains("\n"))
    }

    @Test("an unopenable path gives an error naming the store")
    func unopenable() throws {
        let error = #expect(throws: StoreError.self) { try CustomerStore(path: "/proc/campaignd/store.sqlite") }
        #expect("\(error!)".contains("/proc/campaignd/store.sqlite"))
    }

    @Test("schema constraints stop wrong values from outside writers")
    func constraints() throws {
        let test = try TestStore()
        try test.importFile(.customers, test.file("c.csv", "id\nC1\n"))
        try test.store.database.write { db in
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (1, 'X', '2025-01-01', 100, 'EUR')")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (1, 'X', 0, -5, 'EUR')")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (99, 'X', 0, 5, 'EUR')")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO consent(customer_id, channel, status, at) VALUES (1, 'sms', 'granted', 0)")
            }
        }
    }
}
