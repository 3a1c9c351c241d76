@testable import CustomerStore
import Foundation
import GRDB
import Testing

/// The bulk path of a first import (issue 17) leaves the store exactly as the incremental one.
@Suite("Bulk import")
struct BulkImportTests {
    static let until = utc(2026, 11, 1)

    /// Writes a generated data set into a directory of `test` and returns the directory.
    static func generated(_ test: TestStore, _ name: String, customers: Int, purchases: Int, seed: UInt64) throws -> String {
        let directory = "\(test.directory)/\(name)"
        try SyntheticData(customers: customers, purchases: purchases, seed: seed, until: until).write(to: directory)
        return directory
    }

    /// Imports the five files of `directory` in order; returns whether each went the bulk way.
    @discardableResult
    static func importAll(_ test: TestStore, from directory: String, loadPath: ImportPath,
                          factsRebuildRange: Int = BulkLoad.rebuildRange) throws -> [ImportKind: Bool] {
        var bulk: [ImportKind: Bool] = [:]
        for (kind, name) in SyntheticData.files {
            let (summary, problems) = try test.importFile(kind, "\(directory)/\(name)", loadPath: loadPath, factsRebuildRange: factsRebuildRange)
            #expect(problems.isEmpty)
            bulk[kind] = summary.bulk
        }
        return bulk
    }

    /// Both stores hold the same rows in every table and the same schema, and both pass
    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` (imports write without SQLite's
    /// foreign-key checks: every customer id they write must still name a customer).
    static func expectSame(_ a: TestStore, _ b: TestStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (left, right) = (try a.dump(), try b.dump())
        #expect(left.count == right.count, sourceLocation: sourceLocation)
        let firstDifference = zip(left, right).first { $0 != $1 }
        #expect(firstDifference == nil, "first difference: \(String(describing: firstDifference))", sourceLocation: sourceLocation)
        #expect(try a.string("PRAGMA integrity_check") == "ok", sourceLocation: sourceLocation)
        #expect(try b.string("PRAGMA integrity_check") == "ok", sourceLocation: sourceLocation)
        for store in [a, b] {
            let orphans = try store.store.database.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
            #expect(orphans.isEmpty, "rows naming no parent: \(orphans.prefix(3))", sourceLocation: sourceLocation)
        }
    }

    @Test("the facts rebuild's customer ranges cover every id once, sparse ids and Int64.max included")
    func customerRanges() throws {
        let test = try TestStore()
        try test.store.database.write { db in
            for id in [Int64(1), 5, 6, 4_000_000_000, Int64.max] {
                try db.execute(sql: "INSERT INTO customer(id, external_id) VALUES (?, ?)", arguments: [id, "K\(id)"])
            }
        }
        let ranges = try test.store.database.read { try BulkLoad.customerRanges($0, size: 2) }
        #expect(ranges == [1...5, 6...(Int64.max - 1), Int64.max...Int64.max])
        #expect(try test.store.database.read { try BulkLoad.customerRanges($0, size: 50_000) } == [1...Int64.max])
        let empty = try TestStore()
        #expect(try empty.store.database.read { try BulkLoad.customerRanges($0, size: 2) }.isEmpty)
    }

    @Test("a first import goes the bulk way and leaves every table, fact and index as the incremental path does")
    func firstImport() throws {
        let (incremental, bulk) = (try TestStore(), try TestStore())
        let data = try Self.generated(incremental, "data", customers: 3000, purchases: 30000, seed: 1)
        let wentIncremental = try Self.importAll(incremental, from: data, loadPath: .incremental)
        // 700 customers per facts-rebuild statement: five ranges over the 3,000 customers.
        let wentBulk = try Self.importAll(bulk, from: data, loadPath: .automatic, factsRebuildRange: 700)
        #expect(wentIncremental.values.allSatisfy { !$0 })
        #expect(wentBulk.count == 5 && wentBulk.values.allSatisfy { $0 })
        // The generator writes NPS answers only: CSAT and CES, and a later answer of each kind.
        let more = try incremental.file("more-feedback.csv", """
            customer,kind,score,at,comment
            C0000001,csat,4,2026-10-01T10:00:00Z,fine
            C0000001,csat,2,2026-10-03T10:00:00Z,worse
            C0000001,ces,6,2026-10-02T10:00:00Z,
            C0000002,ces,3,2026-10-02T10:00:00Z,
            C0000002,nps,0,2026-10-30T10:00:00Z,angry

            """)
        #expect(try incremental.importFile(.feedback, more, loadPath: .incremental).0.written == 5)
        #expect(try bulk.importFile(.feedback, more, loadPath: .bulk).0.bulk)
        try Self.expectSame(incremental, bulk)
        // Not vacuous: every kind of fact is there.
        let counts = try bulk.counts()
        #expect(counts["customer"] == 3000 && counts["purchase"] == 30000)
        for table in ["consent", "feedback", "event", "customer_event_facts"] { #expect((counts[table] ?? 0) > 0, "\(table)") }
        for column in ["orders", "email_consent", "nps_score", "csat_score", "ces_score", "last_event_at", "last_feedback_at"] {
            #expect(try bulk.int("SELECT count(*) FROM customer_facts WHERE \(column) IS NOT NULL AND \(column) IS NOT 0") ?? 0 > 0, "\(column)")
        }
        #expect(try bulk.int("SELECT count(*) FROM customer_facts WHERE email_consent = 'withdrawn'") ?? 0 > 0)
        let facts = try #require(try bulk.facts("C0000001"))
        #expect((facts["csat_score"] as Int?) == 2 && (facts["ces_score"] as Int?) == 6)
    }

    @Test("a bulk import into a store that holds customers and purchases (orders moving between customers) equals the incremental one")
    func intoExistingStore() throws {
        let (incremental, bulk) = (try TestStore(), try TestStore())
        let first = try Self.generated(incremental, "first", customers: 2000, purchases: 8000, seed: 1)
        let second = try Self.generated(incremental, "second", customers: 3000, purchases: 30000, seed: 2)
        try Self.importAll(incremental, from: first, loadPath: .incremental)
        try Self.importAll(bulk, from: first, loadPath: .incremental)
        let buyers = try bulk.store.database.read { try Int64.fetchAll($0, sql: "SELECT customer_id FROM customer_facts WHERE orders > 0") }
        // A journey's entry scan recorded before the import (as a tick would have written it).
        let mark = try bulk.int("SELECT max(seq) FROM customer_change") ?? 0
        try bulk.store.database.write { db in
            try db.execute(sql: "INSERT INTO journey_entry_scan(journey, signature, scanned_at, watermark, suppression_lifted) VALUES ('j', 's', 0, ?, 0)", arguments: [mark])
        }
        try Self.importAll(incremental, from: second, loadPath: .incremental)
        let wentBulk = try Self.importAll(bulk, from: second, loadPath: .bulk, factsRebuildRange: 700)
        #expect(wentBulk.values.allSatisfy { $0 })
        try Self.expectSame(incremental, bulk)
        // Changed-only entry scans (customer_change): every customer the incremental import marked
        // changed since the mark is marked in the bulk store too, and the bulk load dropped the
        // recorded scan, so the next entry scans test everyone anyway.
        let changedIncrementally = try incremental.store.database.read {
            try Int64.fetchSet($0, sql: "SELECT customer_id FROM customer_change WHERE seq > ?", arguments: [mark])
        }
        let changedInBulk = try bulk.store.database.read {
            try Int64.fetchSet($0, sql: "SELECT customer_id FROM customer_change WHERE seq > ?", arguments: [mark])
        }
        #expect(!changedIncrementally.isEmpty && changedIncrementally.isSubset(of: changedInBulk))
        #expect(try bulk.int("SELECT count(*) FROM journey_entry_scan") == 0)
        // The second set gives every order of some of the first set's buyers to other customers.
        let lost = try bulk.int("SELECT count(*) FROM customer_facts WHERE orders = 0 AND customer_id IN (\(buyers.map(String.init).joined(separator: ",")))")
        #expect(lost ?? 0 > 0)
    }

    @Test("automatic: bulk into an empty table or a file larger than the table, incremental for a small daily file")
    func automaticChoice() throws {
        let test = try TestStore()
        let data = try Self.generated(test, "data", customers: 500, purchases: 5000, seed: 3)
        let went = try Self.importAll(test, from: data, loadPath: .automatic)
        #expect(went[.purchases] == true)
        let daily = try test.file("daily.csv", "customer,order,at,amount\nC0000001,DAILY-1,2026-11-02,10.00\nC0000002,DAILY-2,2026-11-02,5.50\n")
        let (summary, _) = try test.importFile(.purchases, daily)
        #expect(summary.bulk == false && summary.written == 2)
    }

    /// A purchases file from a generated one with bad rows put in among good ones.
    static func withBadRows(_ test: TestStore, from directory: String) throws -> String {
        var lines = try String(contentsOfFile: "\(directory)/purchases.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        lines.insert("C9999999,XBAD-1,2026-01-01,1.00,EUR", at: 700)           // unknown customer (found when writing)
        lines.insert("C0000001,XBAD-2,2026-01-01,-1.00,EUR", at: 1500)         // negative amount
        lines.insert("C0000002,XBAD-3,2026-13-01,1.00,EUR", at: 2300)          // no such date
        lines.insert("C0000003,XBAD-4,2026-01-01,1.00,SEK", at: 3100)          // another currency
        var again = lines[40].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        again[3] = "1.00"
        lines.append(again.joined(separator: ","))                            // an order again, later, another amount
        return try test.file("bad-purchases.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test("bad rows: --skip-invalid writes and reports the same; an atomic import fails the same way and writes nothing")
    func badRows() throws {
        let (incremental, bulk) = (try TestStore(), try TestStore())
        let data = try Self.generated(incremental, "data", customers: 1000, purchases: 6000, seed: 4)
        for test in [incremental, bulk] {
            for (kind, name) in SyntheticData.files.prefix(1) { try test.importFile(kind, "\(data)/\(name)", loadPath: .incremental) }
        }
        let file = try Self.withBadRows(incremental, from: data)

        let before = try bulk.dump()
        let (failedIncremental, problemsIncremental) = incremental.failingImport(.purchases, file, loadPath: .incremental)
        let (failedBulk, problemsBulk) = bulk.failingImport(.purchases, file, loadPath: .bulk)
        #expect(failedIncremental is ImportFailed && failedBulk is ImportFailed)
        #expect(problemsBulk.count == 4)
        #expect(problemsBulk.map(\.description) == problemsIncremental.map(\.description))
        #expect(try bulk.dump() == before)

        let (summaryIncremental, skippedIncremental) = try incremental.importFile(.purchases, file, skipInvalid: true, loadPath: .incremental)
        let (summaryBulk, skippedBulk) = try bulk.importFile(.purchases, file, skipInvalid: true, loadPath: .bulk)
        #expect(summaryBulk.bulk && !summaryIncremental.bulk)
        #expect(summaryBulk.invalid == 4 && summaryBulk.written > 0)
        var sameButPath = summaryIncremental
        sameButPath.bulk = true
        #expect(summaryBulk == sameButPath)
        #expect(skippedBulk.map(\.description) == skippedIncremental.map(\.description))
        try Self.expectSame(incremental, bulk)
    }

    @Test("a failure while loading or while building facts and indexes leaves the store as it was, triggers and indexes included")
    func failureRollsBack() throws {
        let test = try TestStore()
        let first = try Self.generated(test, "first", customers: 1000, purchases: 4000, seed: 5)
        let second = try Self.generated(test, "second", customers: 1000, purchases: 20000, seed: 6)
        try Self.importAll(test, from: first, loadPath: .incremental)

        // While loading: the store refuses a late row (after many batches went in).
        try test.store.database.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_late BEFORE INSERT ON purchase WHEN new.order_ref = 'O000019990'
                BEGIN SELECT RAISE(ROLLBACK, 'refused by the store'); END
                """)
        }
        var before = try test.dump()
        let refused = #expect(throws: (any Error).self) {
            try test.importFile(.purchases, "\(second)/purchases.csv", skipInvalid: true, loadPath: .bulk)
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("refused by the store"))
        #expect(try test.dump() == before)

        // While rebuilding the facts, after every row went in.
        try test.store.database.write { db in
            try db.execute(sql: "DROP TRIGGER refuse_late")
            try db.execute(sql: """
                CREATE TRIGGER refuse_facts BEFORE UPDATE ON customer_facts
                BEGIN SELECT RAISE(ABORT, 'facts refused'); END
                """)
        }
        before = try test.dump()
        #expect(throws: (any Error).self) { try test.importFile(.purchases, "\(second)/purchases.csv", loadPath: .bulk) }
        #expect(try test.dump() == before)
        #expect(try test.string("PRAGMA integrity_check") == "ok")
        #expect(try test.int("SELECT count(*) FROM sqlite_master WHERE name IN ('purchase_facts_insert', 'purchase_by_customer')") == 2)
    }
}

extension TestStore {
    /// The schema (without root pages) and every table's rows in full order, as text.
    func dump() throws -> [String] {
        try store.database.read { db in
            var lines = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").map { "schema \($0)" }
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables {
                // customer_change's `seq` is a write counter: its values follow the order of the
                // writes, which the two paths do not share (the changed-customers test below
                // checks what it must mean); the rest of the table must be equal.
                let columns = table == "customer_change" ? "customer_id, latest_at" : "*"
                let order = (1...(table == "customer_change" ? 2 : try db.columns(in: table).count)).map(String.init).joined(separator: ", ")
                lines += try Row.fetchAll(db, sql: "SELECT \(columns) FROM \"\(table)\" ORDER BY \(order)").map { "\(table) \($0)" }
            }
            return lines
        }
    }
}
