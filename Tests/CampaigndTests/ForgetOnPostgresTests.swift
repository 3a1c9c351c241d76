@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// `campaignd forget` on a PostgreSQL store, run as the real binary: the same erasure as on the
/// SQLite store it was copied from — the same report, the same hashed suppressions, the same
/// scrubbed send log, the customer and its history gone — and an unknown id changes nothing.
@Suite("campaignd forget on PostgreSQL")
struct ForgetOnPostgresTests {
    /// The workspace of the copy tests, with a queued send (with evidence) and a plain
    /// suppression of C1's address added, copied into a new database; the two configs.
    static func stores() async throws -> (directory: URL, sqlite: String, postgres: String, server: PostgresServer, database: String) {
        let (directory, config) = try StoreCopyCommandTests.workspace()
        let store = try CustomerStore(path: directory.appendingPathComponent("store.sqlite").path, currency: "EUR")
        let fixture = try StoreFixture(store: store)
        try fixture.sends([StoreFixture.send(
            "winback", customer: try fixture.id(of: "C1"), at: 1_790_500_000, status: .queued, evidence: #"{"email":"aino@example.fi"}"#,
            dueAt: 1_790_500_000)])
        try fixture.suppress(channel: "email", address: "aino@example.fi", at: 1_790_400_000)
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let url = server.url(database: database)
        Bounded.expectClean(
            try await Bounded.run(["--config", config, "store", "copy", "--to", url], in: directory, timeout: 120), status: 0, stderrContains: nil)
        let postgres = directory.appendingPathComponent("postgres.json").path
        try #"{"store": "\#(url)"}"#.write(toFile: postgres, atomically: true, encoding: .utf8)
        return (directory, config, postgres, server, database)
    }

    /// What an erasure leaves, the same query on both stores.
    static let remains = [
        "SELECT count(*) FROM customer WHERE external_id = 'C1'",
        "SELECT count(*) FROM purchase", "SELECT count(*) FROM consent", "SELECT count(*) FROM feedback", "SELECT count(*) FROM customer_tag",
        "SELECT channel, address, reason FROM suppression ORDER BY channel, address",
        "SELECT rule, status, coalesce(reason, ''), evidence, coalesce(due_at, -1), CASE WHEN customer_id IS NULL THEN 'erased' ELSE 'kept' END FROM send ORDER BY rule, decided_at, status",
    ]

    @Test("forget erases the same things on PostgreSQL as on SQLite, and reports them the same")
    func sameErasure() async throws {
        let (directory, sqliteConfig, postgresConfig, server, database) = try await Self.stores()
        let sqlite = try await Bounded.run(["--config", sqliteConfig, "forget", "C1", "--json"], in: directory, timeout: 120)
        let postgres = try await Bounded.run(["--config", postgresConfig, "forget", "C1", "--json"], in: directory, timeout: 120)
        Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
        Bounded.expectClean(postgres, status: 0, stderrContains: nil)
        // SQLite truncates its write-ahead log; PostgreSQL has nothing to say there.
        #expect(postgres.stdout.replacingOccurrences(of: #""wal_truncated":false"#, with: "")
                == sqlite.stdout.replacingOccurrences(of: #""wal_truncated":true"#, with: ""), "\(sqlite.stdout)\(postgres.stdout)")
        #expect(postgres.stdout.contains(#""purchases":2"#) && postgres.stdout.contains(#""sends_cancelled":1"#)
                && postgres.stdout.contains(#""suppressed":["email","webhook"]"#), "\(postgres.stdout)")
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("store.sqlite").path)
        for sql in Self.remains {
            let expected = try await queue.read { db in
                try Row.fetchAll(db, sql: sql).map { $0.databaseValues.map(\.plainText).joined(separator: "|") }
            }
            let actual = try server.psql(sql, database: database).split(separator: "\n").map(String.init)
            #expect(actual == expected, "\(sql)")
        }
        let evidence = try server.psql("SELECT count(*) FROM send WHERE evidence::text LIKE '%aino%' OR status = 'queued'", database: database)
        #expect(evidence.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("an unknown id fails in one line with a hint, and nothing changes")
    func unknownCustomer() async throws {
        let (directory, _, postgresConfig, server, database) = try await Self.stores()
        let result = try await Bounded.run(["--config", postgresConfig, "forget", "NOBODY"], in: directory, timeout: 120)
        Bounded.expectClean(result, status: 1, stderrContains: "campaignd: forget: no customer with id \"NOBODY\" in postgres://")
        #expect(result.stderr.contains("nothing was changed"), "\(result.stderr)")
        let counts = try server.psql("SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM suppression)", database: database)
        #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == "3|1")
    }
}
