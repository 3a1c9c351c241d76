import Foundation
import Testing
import TestSupport

/// `campaignd import` on a PostgreSQL store, run as the real binary: the generated files go in
/// with the same summaries as into a SQLite store, `status` then counts the same, and `--load`
/// (a SQLite choice) is refused in one line.
@Suite("campaignd import on PostgreSQL")
struct ImportOnPostgresTests {
    @Test("the generated files import with the same summaries as on SQLite, and status counts the same")
    func sameAsSQLite() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, sqliteConfig) = try CampaigndProcess.workspace()
        let postgresConfig = directory.appendingPathComponent("postgres.json").path
        let url = server.url(database: database)
        try #"{"store": "\#(url)"}"#.write(toFile: postgresConfig, atomically: true, encoding: .utf8)
        Bounded.expectClean(
            try await Bounded.run(["generate", "--customers", "400", "--purchases", "4000", "--out", "data"], in: directory, timeout: 120),
            status: 0, stderrContains: nil)
        for kind in ["customers", "purchases", "consents", "feedback", "events"] {
            let file = "data/\(kind).csv"
            let sqlite = try await Bounded.run(["--config", sqliteConfig, "import", kind, file], in: directory, timeout: 120)
            let postgres = try await Bounded.run(["--config", postgresConfig, "import", kind, file], in: directory, timeout: 120)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(RunOnPostgresTests.withoutDuration(postgres.stdout) == RunOnPostgresTests.withoutDuration(sqlite.stdout),
                    "\(sqlite.stdout)\(postgres.stdout)")
            #expect(postgres.stdout.contains(" 0 unchanged, 0 invalid"), "\(postgres.stdout)")
        }
        let again = try await Bounded.run(["--config", postgresConfig, "import", "purchases", "data/purchases.csv"], in: directory, timeout: 120)
        Bounded.expectClean(again, status: 0, stderrContains: nil)
        #expect(again.stdout.hasPrefix("data/purchases.csv: 4000 purchases rows: 0 written, 4000 unchanged, 0 invalid"), "\(again.stdout)")
        let sqlite = try await Bounded.run(["--config", sqliteConfig, "status"], in: directory, timeout: 120)
        let postgres = try await Bounded.run(["--config", postgresConfig, "status"], in: directory, timeout: 120)
        // The first line names the store; the counts below it must match.
        #expect(postgres.stdout.split(separator: "\n").dropFirst() == sqlite.stdout.split(separator: "\n").dropFirst(),
                "\(sqlite.stdout)\n\(postgres.stdout)")
        #expect(sqlite.stdout.contains("customers  400 "), "\(sqlite.stdout)")
    }

    @Test("--load is refused on PostgreSQL in one line, and a bad file is reported as on SQLite")
    func refusals() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, _) = try CampaigndProcess.workspace()
        let config = directory.appendingPathComponent("postgres.json").path
        try #"{"store": "\#(server.url(database: database))"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        try "id,email\nA,not-an-email\n".write(to: directory.appendingPathComponent("customers.csv"), atomically: true, encoding: .utf8)
        let load = try await Bounded.run(["--config", config, "import", "customers", "customers.csv", "--load", "bulk"], in: directory, timeout: 120)
        Bounded.expectClean(load, status: 1, stderrContains: "campaignd: --load bulk applies to a SQLite store")
        let bad = try await Bounded.run(["--config", config, "import", "customers", "customers.csv"], in: directory, timeout: 120)
        // Each bad row is a line of its own (FILE:LINE:COLUMN), then the one-line failure.
        #expect(bad.status == 1 && bad.hang == nil, "\(bad.stderr)")
        #expect(Bounded.significantLines(bad.stderr).first == "customers.csv:2:3: invalid email address 'not-an-email'", "\(bad.stderr)")
        #expect(bad.stderr.contains("campaignd: customers.csv: 1 invalid row; nothing was imported"), "\(bad.stderr)")
        let missing = try await Bounded.run(["--config", config, "import", "customers", "nothing.csv"], in: directory, timeout: 120)
        Bounded.expectClean(missing, status: 1, stderrContains: "nothing.csv")
        #expect(try server.psql("SELECT count(*) FROM customer", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("import coupons on PostgreSQL: the same summaries and pools as on SQLite; a code of another pool writes nothing")
    func coupons() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, sqliteConfig) = try CampaigndProcess.workspace()
        let postgresConfig = directory.appendingPathComponent("postgres.json").path
        try #"{"store": "\#(server.url(database: database))"}"#.write(toFile: postgresConfig, atomically: true, encoding: .utf8)
        let files = [
            ("spring.csv", "code,expires\nSPRING-1,\nSPRING-2,2099-01-01\nSPRING-3,2020-01-01\n"),
            ("spring-again.csv", "SPRING-1\nSPRING-2,2099-06-30\nSPRING-4\n"),
            ("summer.csv", "SUMMER-1\nSPRING-3\n"),
        ]
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for (pool, file) in [("SPRING", "spring.csv"), ("SPRING", "spring.csv"), ("SPRING", "spring-again.csv")] {
            let sqlite = try await Bounded.run(["--config", sqliteConfig, "import", "coupons", pool, file], in: directory, timeout: 120)
            let postgres = try await Bounded.run(["--config", postgresConfig, "import", "coupons", pool, file], in: directory, timeout: 120)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(postgres.stdout == sqlite.stdout, "\(sqlite.stdout)\(postgres.stdout)")
        }
        let refused = try await Bounded.run(["--config", postgresConfig, "import", "coupons", "SUMMER", "summer.csv"], in: directory, timeout: 120)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("campaignd: summer.csv:2: code 'SPRING-3' is already in pool 'SPRING'\n"), "\(refused.stderr)")
        let sqlitePools = try await Bounded.run(["--config", sqliteConfig, "coupons", "--json"], in: directory, timeout: 120)
        let postgresPools = try await Bounded.run(["--config", postgresConfig, "coupons", "--json"], in: directory, timeout: 120)
        #expect(postgresPools.stdout == sqlitePools.stdout && postgresPools.stdout.contains(#""total" : 4"#), "\(sqlitePools.stdout)\(postgresPools.stdout)")
        #expect(!postgresPools.stdout.contains("SUMMER"), "\(postgresPools.stdout)")
    }
}
