import CustomerStore
import Foundation
import GRDB
import Synchronization
@testable import PostgresStore
import Testing
import TestSupport

/// The PostgreSQL migrations are the SQLite migrations' twins: the same names, tables, columns,
/// keys and indexes, read from both catalogs. A SQLite migration without its PostgreSQL twin
/// fails here. PostgreSQL's own bookkeeping (`campaignd_migrations`, GRDB's `grdb_migrations` in
/// SQLite) and `campaignd_time_zone` (the zone names its functions accept) are left out.
@Suite("PostgreSQL schema")
struct PostgresSchemaTests {
    @Test("the same named migrations, applied in the same order")
    func sameMigrations() async throws {
        let postgres = try await PostgresTestStore()
        defer { Task { await postgres.store.close() } }
        let sqlite = try SQLiteTestStore()
        #expect(try await postgres.store.appliedMigrations() == sqlite.store.appliedMigrations())
        #expect(try await postgres.store.appliedMigrations().count == 21)
    }

    @Test("the same tables, columns, primary keys, unique constraints and indexes in both catalogs")
    func sameCatalog() async throws {
        let postgres = try await PostgresTestStore()
        defer { Task { await postgres.store.close() } }
        let sqlite = try SQLiteTestStore()
        let left = try Self.sqliteCatalog(sqlite.queue)
        let right = try Self.postgresCatalog(postgres)
        #expect(left.count > 60)
        #expect(left.subtracting(right).sorted() == [], "in SQLite only")
        #expect(right.subtracting(left).sorted() == [], "in PostgreSQL only")
    }

    @Test("v11 and v12 on a populated coupon table: keys in pool and code order, every code unchanged, the next code the next key; then each pool a queue")
    func couponIntegerKeyOnCodes() throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        // `coupon` and `coupon_free` as `v4-coupon-pools` made them, with free, taken and redeemed codes.
        _ = try server.psql(PostgresMigrations.couponPoolsV4.prefix(2).joined(separator: ";\n") + """
            ;
            INSERT INTO coupon(code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at) VALUES
                ('Z-0', 'P', NULL, 1, NULL, NULL, NULL), ('B-2', 'P', 50, 1, 's2', 4, NULL),
                ('A-1', 'P', NULL, 1, 's1', 5, 7), ('A-0', 'Q', NULL, 3, NULL, NULL, NULL);
            """, database: database)
        let rows = "SELECT id || ' ' || code || ' ' || pool || ' ' || coalesce(expires_at::text, '-') || ' ' || coalesce(send_id, '-') FROM coupon ORDER BY id"
        _ = try server.psql("BEGIN;\n" + PostgresMigrations.couponIntegerKeyV11.joined(separator: ";\n") + ";\nCOMMIT;", database: database)
        #expect(try server.psql(rows, database: database).split(separator: "\n") == ["1 A-1 P - s1", "2 B-2 P 50 s2", "3 Z-0 P - -", "4 A-0 Q - -"])
        #expect(try server.psql("INSERT INTO coupon(code, pool, imported_at) VALUES ('N-1', 'Q', 9) RETURNING id", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "5")
        #expect(throws: (any Error).self) {
            _ = try server.psql("INSERT INTO coupon(code, pool, imported_at) VALUES ('Z-0', 'Q', 9)", database: database)
        }
        #expect(try server.psql("SELECT indexdef FROM pg_indexes WHERE indexname = 'coupon_free'", database: database)
            .contains("(pool, expires_at, code) WHERE (send_id IS NULL)"))
        // v12: the taken codes first, each pool handed out through them; the free ones after in their order.
        _ = try server.psql("DELETE FROM coupon WHERE code = 'N-1'", database: database)
        _ = try server.psql("BEGIN;\n" + PostgresMigrations.couponQueueV12.joined(separator: ";\n") + ";\nCOMMIT;", database: database)
        #expect(try server.psql("SELECT pool || ' ' || place || ' ' || code FROM coupon ORDER BY pool, place", database: database)
            .split(separator: "\n") == ["P 1 B-2", "P 2 A-1", "P 3 Z-0", "Q 1 A-0"])
        #expect(try server.psql("SELECT pool || ' ' || handed_through FROM coupon_pool ORDER BY pool", database: database)
            .split(separator: "\n") == ["P 2", "Q 0"])
        #expect(try server.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'coupon' AND column_name IN ('send_id', 'assigned_at')", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(try server.psql("SELECT indexdef FROM pg_indexes WHERE indexname = 'coupon_queue'", database: database)
            .contains("(pool, place, expires_at)"))
    }

    @Test("opening a new store tells the migration watch how many migrations run and when they have ended; opening again tells it nothing")
    func migrationWatch() async throws {
        let server = try PostgresServer.shared()
        let location = PostgresStore.Location(
            host: server.host, port: server.port, user: server.user, database: try server.createDatabase(),
            connectTimeout: PostgresTestStore.connectTimeout)
        let events = Mutex<[String]>([])
        let watch = MigrationWatch(
            started: { pending in events.withLock { $0.append("started \(pending)") } },
            ended: { events.withLock { $0.append("ended") } })
        await (try await PostgresStore(location, migrations: watch)).close()
        #expect(events.withLock { $0 } == ["started \(PostgresMigrations.all.count)", "ended"])
        await (try await PostgresStore(location, migrations: watch)).close()
        #expect(events.withLock { $0 } == ["started \(PostgresMigrations.all.count)", "ended"])
    }

    @Test("opening again runs nothing, and a store with an unknown migration is refused in one line")
    func reopenAndNewerSchema() async throws {
        let postgres = try await PostgresTestStore()
        let location = postgres.store.location
        await postgres.store.close()
        let again = try await PostgresStore(location)
        #expect(try await again.appliedMigrations().count == 21)
        await again.close()
        _ = try postgres.psql("INSERT INTO campaignd_migrations(seq, name) VALUES (99, 'v99-from-the-future')")
        await #expect(throws: PostgresStoreError.self) { _ = try await PostgresStore(location) }
        do {
            _ = try await PostgresStore(location)
        } catch let error as PostgresStoreError {
            #expect(error.description.contains("v99-from-the-future") && !error.description.contains("\n"))
        }
        await #expect(throws: PostgresStoreError.self) { _ = try await PostgresStore(location, currency: "JPY") }
    }

    @Test("concurrent openings of a new database migrate it once")
    func concurrentMigrations() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let location = PostgresStore.Location(
            host: server.host, port: server.port, user: server.user, database: database, poolSize: 2,
            connectTimeout: PostgresTestStore.connectTimeout)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try await PostgresStore(location)
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(try server.psql("SELECT count(*) FROM campaignd_migrations", database: database).hasPrefix("21\n"))
    }

    /// One line per fact: `table T`, `column T.C`, `primary key T(C…)`, `unique T(C…)`,
    /// `index NAME on T(C…) [unique] [partial]` (an expression is `<expression>`).
    static func sqliteCatalog(_ queue: DatabaseQueue) throws -> Set<String> {
        try queue.read { db in
            var facts: Set<String> = []
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
            for table in tables {
                facts.insert("table \(table)")
                let columns = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?)", arguments: [table])
                for column in columns { facts.insert("column \(table).\(column["name"] as String)") }
                let key = columns.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
                facts.insert("primary key \(table)(\(key.joined(separator: ",")))")
                for index in try Row.fetchAll(db, sql: "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", arguments: [table]) {
                    let name: String = index["name"]
                    let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [name])
                        .map { ($0["name"] as String?) ?? "<expression>" }.joined(separator: ",")
                    switch index["origin"] as String {
                    case "u": facts.insert("unique \(table)(\(columns))")
                    case "pk": break
                    default:
                        let unique = (index["unique"] as Int) == 1 ? " unique" : ""
                        let partial = (index["partial"] as Int) == 1 ? " partial" : ""
                        facts.insert("index \(name) on \(table)(\(columns))\(unique)\(partial)")
                    }
                }
            }
            return facts
        }
    }

    static func postgresCatalog(_ store: PostgresTestStore) throws -> Set<String> {
        var facts: Set<String> = []
        for line in try store.psql(
            """
            SELECT 'table ' || table_name FROM information_schema.tables
                WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('campaignd_migrations', 'campaignd_time_zone');
            SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name NOT IN ('campaignd_migrations', 'campaignd_time_zone');
            SELECT CASE c.contype WHEN 'p' THEN 'primary key ' ELSE 'unique ' END || t.relname || '('
                    || (SELECT string_agg(a.attname, ',' ORDER BY k.ordinality) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ordinality)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) || ')'
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = 'public' AND c.contype IN ('p', 'u') AND t.relname NOT IN ('campaignd_migrations', 'campaignd_time_zone');
            SELECT 'index ' || i.relname || ' on ' || t.relname || '('
                    || (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname END, ',' ORDER BY k.ordinality)
                        FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ordinality)
                        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) || ')'
                    || CASE WHEN x.indisunique THEN ' unique' ELSE '' END || CASE WHEN x.indpred IS NOT NULL THEN ' partial' ELSE '' END
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid);
            """)
        {
            facts.insert(line)
        }
        return facts
    }
}
