import CustomerStore
import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// `PostgresImporter`: the same files imported into a SQLite store (`Importer`) and a
/// PostgreSQL store leave the same rows and facts, whatever the file does (new rows, updates,
/// attributes merged, tags replaced, a purchase moved to another customer, JSON Lines rows with
/// different columns); bad rows and unknown customers are reported as `FILE:LINE:COLUMN`, and an
/// atomic import with any of them writes nothing.
@Suite("PostgreSQL import", .serialized)
struct PostgresImporterTests {
    static let zone = TimeZone(identifier: "Europe/Helsinki")!

    /// Every table an import writes, keyed by external ids rather than the stores' own ids
    /// (customers' ids included: both stores number new customers in file order).
    static let contents = [
        "SELECT c.id, external_id, email, name, phone, street, postal_code, city, country, birthday, joined_at, time_zone, locale, attributes FROM customer c ORDER BY external_id",
        "SELECT c.external_id, t.tag FROM customer_tag t JOIN customer c ON c.id = t.customer_id ORDER BY 1, 2",
        "SELECT c.external_id, p.order_ref, p.at, p.amount_minor, p.currency, p.coupon FROM purchase p JOIN customer c ON c.id = p.customer_id ORDER BY 2",
        "SELECT c.external_id, e.name, e.at, e.properties FROM event e JOIN customer c ON c.id = e.customer_id ORDER BY 1, 2, 3",
        "SELECT c.external_id, f.kind, f.score, f.at, f.comment FROM feedback f JOIN customer c ON c.id = f.customer_id ORDER BY 1, 2, 4",
        "SELECT c.external_id, x.channel, x.status, x.at, x.basis, x.source FROM consent x JOIN customer c ON c.id = x.customer_id ORDER BY 1, 2, 4, 3",
        "SELECT c.external_id, f.* FROM customer_facts f JOIN customer c ON c.id = f.customer_id ORDER BY 1",
        "SELECT c.external_id, f.* FROM customer_event_facts f JOIN customer c ON c.id = f.customer_id ORDER BY 1, f.name",
        // Who is marked changed for the journeys' entry scans, and the latest time in their history.
        "SELECT c.external_id, x.latest_at FROM customer_change x JOIN customer c ON c.id = x.customer_id ORDER BY 1",
    ]

    /// Both stores, empty.
    static func stores() async throws -> (SQLiteTestStore, PostgresTestStore) {
        (try SQLiteTestStore(), try await PostgresTestStore())
    }

    /// Imports `path` into both stores; the two summaries and the problems each reported.
    @discardableResult
    static func importBoth(
        _ kind: ImportKind, _ path: String, into stores: (SQLiteTestStore, PostgresTestStore), skipInvalid: Bool = false
    ) async throws -> (sqlite: Result<ImportSummary, any Error>, postgres: Result<ImportSummary, any Error>,
                       sqliteProblems: [String], postgresProblems: [String]) {
        let sqliteProblems = Problems(), postgresProblems = Problems()
        var importer = Importer(store: stores.0.store, timeZone: zone)
        importer.skipInvalid = skipInvalid
        importer.onProblem = { sqliteProblems.add($0.description) }
        let sqlite = Result { try importer.run(kind, path: path) }
        var postgresImporter = PostgresImporter(store: stores.1.store, timeZone: zone)
        postgresImporter.skipInvalid = skipInvalid
        postgresImporter.onProblem = { postgresProblems.add($0.description) }
        let postgres: Result<ImportSummary, any Error>
        do { postgres = .success(try await postgresImporter.run(kind, path: path)) } catch { postgres = .failure(error) }
        return (sqlite, postgres, sqliteProblems.lines, postgresProblems.lines)
    }

    /// Asserts that every table an import writes holds the same rows in both stores; returns
    /// the row count of each table.
    @discardableResult
    static func expectSameContents(_ stores: (SQLiteTestStore, PostgresTestStore)) async throws -> [Int] {
        var counts: [Int] = []
        for sql in contents {
            let expected = try await stores.0.queue.read { db in
                try Row.fetchAll(db, sql: sql).map { $0.databaseValues.map(\.plainText).joined(separator: "|") }
            }
            let actual = try stores.1.psql(sql)
            #expect(actual == expected, "\(sql.prefix(70)): \(actual.count) rows in PostgreSQL, \(expected.count) in SQLite; first difference: \(zip(actual, expected).first { $0 != $1 }.map { "\($0) ≠ \($1)" } ?? "-")")
            counts.append(expected.count)
        }
        return counts
    }

    /// The catalog an import may touch (indexes and constraints set aside and rebuilt, triggers
    /// turned off and on), as `|`-joined lines.
    static func catalog(_ store: PostgresTestStore) throws -> [String] {
        try store.psql("""
            SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2;
            SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2;
            SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2;
            """)
    }

    /// Rows read, written, unchanged and invalid (not the load path, which PostgreSQL lacks).
    static func counts(_ summary: ImportSummary) -> [Int] {
        [summary.rows, summary.written, summary.unchanged, summary.invalid]
    }

    static func file(_ name: String, in store: SQLiteTestStore, _ text: String) throws -> String {
        let path = store.directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a generated data set (demo cast included) arrives the same as in SQLite; a second import changes nothing")
    func generatedSet() async throws {
        let stores = try await Self.stores()
        let data = stores.0.directory + "/data"
        try SyntheticData(customers: 1500, purchases: 15000, seed: 18, until: 1_793_491_200, demo: true).write(to: data)
        for (kind, name) in SyntheticData.files {
            let result = try await Self.importBoth(kind, "\(data)/\(name)", into: stores)
            let sqlite = try result.sqlite.get(), postgres = try result.postgres.get()
            #expect(postgres.rows == sqlite.rows && postgres.written == sqlite.written && postgres.invalid == 0, "\(kind): \(postgres) against \(sqlite)")
            #expect(result.postgresProblems.isEmpty, "\(result.postgresProblems)")
        }
        let counts = try await Self.expectSameContents(stores)
        #expect(counts[0] > 1500 && counts[2] > 10_000 && counts[3] > 0 && counts[4] > 100 && counts[5] > 1000, "\(counts)")
        #expect(try await stores.1.store.factsTotals() == stores.0.store.export().factsTotals())
        for (kind, name) in SyntheticData.files {
            var importer = PostgresImporter(store: stores.1.store, timeZone: Self.zone)
            importer.onProblem = { Issue.record("problem: \($0)") }
            let again = try await importer.run(kind, path: "\(data)/\(name)")
            #expect(again.written == 0 && again.unchanged == again.rows && again.rows > 0, "\(kind): \(again)")
        }
        try await Self.expectSameContents(stores)
        await stores.1.store.close()
    }

    @Test("updates: only the file's columns change, attributes are merged (an empty value removes one), tags are replaced, new customers are added")
    func customerUpdates() async throws {
        let stores = try await Self.stores()
        let first = try Self.file("first.csv", in: stores.0, """
            id,email,name,country,joined,tags,tier,colour
            C1,aino@example.fi,Aino,fi,2024-01-05,vip;early,gold,red
            C2,bo@example.se,Bo,SE,2024-02-01,,silver,
            C3,cai@example.com,,,,"news",,blue
            """)
        try await Self.importBoth(.customers, first, into: stores)
        let second = try Self.file("second.csv", in: stores.0, """
            id,email,tier,colour,size,tags
            C1,aino@shop.fi,,green,M,vip;late
            C2,bo@example.se,silver,,,
            C4,dan@example.com,bronze,,L,new
            C3,cai@example.com,,blue,,news
            """)
        let result = try await Self.importBoth(.customers, second, into: stores)
        let sqlite = try result.sqlite.get(), postgres = try result.postgres.get()
        #expect(Self.counts(postgres) == Self.counts(sqlite), "\(postgres) against \(sqlite)")
        #expect(postgres.written == 2 && postgres.unchanged == 2, "\(postgres)")
        try await Self.expectSameContents(stores)
        #expect(try stores.1.psql("SELECT attributes FROM customer WHERE external_id = 'C1'") == [#"{"colour":"green","size":"M"}"#])
        #expect(try stores.1.psql("SELECT string_agg(tag, ',' ORDER BY tag) FROM customer_tag t JOIN customer c ON c.id = t.customer_id WHERE external_id = 'C1'") == ["late,vip"])
        #expect(try stores.1.psql("SELECT name, country FROM customer WHERE external_id = 'C1'") == ["Aino|FI"])
        await stores.1.store.close()
    }

    @Test("JSON Lines customers whose rows carry different fields: each row writes its own, as in SQLite")
    func jsonLinesWithChangingFields() async throws {
        let stores = try await Self.stores()
        let path = try Self.file("customers.jsonl", in: stores.0, """
            {"id": "J1", "email": "j1@example.com", "tier": "gold"}
            {"id": "J2", "name": "Jo"}
            {"id": "J1", "name": "Jay", "tier": "", "pet": "cat"}
            {"id": "J3", "email": "j3@example.com", "tags": "a;b"}
            """)
        let result = try await Self.importBoth(.customers, path, into: stores)
        #expect(try result.postgres.get().rows == 4)
        try await Self.expectSameContents(stores)
        #expect(try stores.1.psql("SELECT email, name, attributes FROM customer WHERE external_id = 'J1'") == [#"j1@example.com|Jay|{"pet":"cat"}"#])
        await stores.1.store.close()
    }

    @Test("a purchase moved to another customer, a changed amount and a coupon: both customers' facts follow, as in SQLite")
    func purchasesMoveAndChange() async throws {
        let stores = try await Self.stores()
        let customers = try Self.file("customers.csv", in: stores.0, "id,email\nA,a@example.com\nB,b@example.com\nC,c@example.com\n")
        try await Self.importBoth(.customers, customers, into: stores)
        let first = try Self.file("p1.csv", in: stores.0, """
            customer,order,at,amount
            A,O1,2025-01-01,10.00
            A,O2,2025-02-01,20.00
            B,O3,2025-03-01,5.50
            """)
        try await Self.importBoth(.purchases, first, into: stores)
        let second = try Self.file("p2.csv", in: stores.0, """
            customer,order,at,amount,coupon
            B,O2,2025-02-01,20.00,
            A,O1,2025-01-01,12.00,SPRING
            C,O4,2025-04-01,1.00,
            C,O4,2025-04-02,2.00,
            """)
        let result = try await Self.importBoth(.purchases, second, into: stores)
        #expect(try result.postgres.get().written == 3, "\(result.postgres)")
        try await Self.expectSameContents(stores)
        #expect(try stores.1.psql("SELECT c.external_id, orders, spent_minor FROM customer_facts f JOIN customer c ON c.id = f.customer_id ORDER BY 1")
                == ["A|1|1200", "B|2|2550", "C|1|200"])
        // The first purchases went into an empty table the bulk way: its indexes and constraints
        // are back as the migrations made them, and every trigger is on again.
        let fresh = try await PostgresTestStore()
        let catalog = try Self.catalog(stores.1)
        #expect(catalog == (try Self.catalog(fresh)), "\(catalog)")
        #expect(catalog.contains("purchase|purchase_by_customer|CREATE INDEX purchase_by_customer ON public.purchase USING btree (customer_id, at, amount_minor)"), "\(catalog)")
        #expect(catalog.contains { $0.hasPrefix("purchase|purchase_facts_insert|O") } && !catalog.contains { $0.hasSuffix("|D") }, "\(catalog)")
        await fresh.store.close()
        await stores.1.store.close()
    }

    /// Both ways of finding an order's owner before the import: looked up one by one (a file of
    /// 3 rows into a table of 100, at least twenty times its size), or PostgreSQL's join (into a
    /// table of 40).
    @Test("a purchase moved away from a customer the file does not name updates that customer's facts", arguments: [100, 40])
    func movedAwayFromUnnamedCustomer(history: Int) async throws {
        let stores = try await Self.stores()
        let customers = try Self.file("customers.csv", in: stores.0, "id,email\nA,a@example.com\nB,b@example.com\nC,c@example.com\n")
        try await Self.importBoth(.customers, customers, into: stores)
        let rows = (1...history).map { "\(["A", "B"][$0 % 2]),H\($0),2025-01-01,1.00" }.joined(separator: "\n")
        try await Self.importBoth(.purchases, try Self.file("p1.csv", in: stores.0, "customer,order,at,amount\n" + rows + "\n"), into: stores)
        // The planner's row count (kept by the first import's index builds, and by autovacuum)
        // decides the way.
        #expect(try stores.1.psql("SELECT reltuples FROM pg_class WHERE relname = 'purchase'") == ["\(history)"])
        let second = try Self.file("p2.csv", in: stores.0, """
            customer,order,at,amount
            B,H2,2025-01-01,1.00
            C,H4,2025-01-01,3.00
            C,N1,2025-02-01,2.00
            """)
        let result = try await Self.importBoth(.purchases, second, into: stores)
        #expect(try result.postgres.get().written == 3, "\(result.postgres)")
        try await Self.expectSameContents(stores)
        // A is not in the file: only the lookup of the orders it owned finds it.
        #expect(try stores.1.psql("SELECT c.external_id, orders, spent_minor FROM customer_facts f JOIN customer c ON c.id = f.customer_id ORDER BY 1")
                == ["A|\(history / 2 - 2)|\((history / 2 - 2) * 100)", "B|\(history / 2 + 1)|\((history / 2 + 1) * 100)", "C|2|500"])
        await stores.1.store.close()
    }

    @Test("bad rows and unknown customers: FILE:LINE:COLUMN each; atomic writes nothing, --skip-invalid the good rows")
    func badRows() async throws {
        let stores = try await Self.stores()
        let customers = try Self.file("customers.csv", in: stores.0, "id\nA\nB\n")
        try await Self.importBoth(.customers, customers, into: stores)
        let path = try Self.file("feedback.csv", in: stores.0, """
            customer,kind,score,at,comment
            A,nps,9,2025-01-01,great
            NOBODY,nps,3,2025-01-02,
            B,nps,11,2025-01-03,
            B,csat,4,2025-01-04,ok
            """)
        let atomic = try await Self.importBoth(.feedback, path, into: stores)
        guard case .failure(let error) = atomic.postgres else {
            Issue.record("an atomic import with bad rows succeeded: \(atomic.postgres)")
            return
        }
        #expect("\(error)" == "\(path): 2 invalid rows; nothing was imported (use --skip-invalid to import the good rows)")
        #expect(Set(atomic.postgresProblems) == Set(atomic.sqliteProblems), "\(atomic.postgresProblems) against \(atomic.sqliteProblems)")
        #expect(atomic.postgresProblems.contains("\(path):3:1: unknown customer 'NOBODY'; import customers first"), "\(atomic.postgresProblems)")
        #expect(atomic.postgresProblems.contains { $0.hasPrefix("\(path):4:") && $0.contains("score must be a whole number from 0 to 10") })
        #expect(try stores.1.psql("SELECT count(*) FROM feedback") == ["0"])
        let skipping = try await Self.importBoth(.feedback, path, into: stores, skipInvalid: true)
        let postgres = try skipping.postgres.get()
        #expect(Self.counts(postgres) == Self.counts(try skipping.sqlite.get()) && postgres.written == 2 && postgres.invalid == 2, "\(postgres)")
        try await Self.expectSameContents(stores)
        await stores.1.store.close()
    }

    @Test("values holding tabs, line breaks and backslashes arrive as they were (COPY's escapes)")
    func escapedValues() async throws {
        let stores = try await Self.stores()
        let customers = try Self.file("customers.csv", in: stores.0, "id,note\nA,\"back\\slash\"\n")
        try await Self.importBoth(.customers, customers, into: stores)
        let feedback = try Self.file("feedback.csv", in: stores.0, "customer,kind,score,at,comment\nA,nps,9,2025-01-01,\"tab\there\nnext line \\N\r\"\n")
        let result = try await Self.importBoth(.feedback, feedback, into: stores)
        #expect(try result.postgres.get().written == 1)
        #expect(try stores.1.psql(#"SELECT comment = E'tab\there\nnext line \\N\r' FROM feedback"#) == ["t"])
        #expect(try stores.1.psql("SELECT attributes FROM customer") == [#"{"note":"back\\slash"}"#])
        let expected = try await stores.0.queue.read { db in try String.fetchOne(db, sql: "SELECT comment FROM feedback") }
        #expect(expected == "tab\there\nnext line \\N\r")
        await stores.1.store.close()
    }
}

/// Problems reported from the importers' callbacks.
private final class Problems: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    func add(_ line: String) { lock.withLock { collected.append(line) } }
    var lines: [String] { lock.withLock { collected } }
}
