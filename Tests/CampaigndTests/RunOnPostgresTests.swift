import Foundation
import GRDB
import Testing
import TestSupport

/// `campaignd run --once` on a PostgreSQL store (issue 18): the demo's synthetic store after a
/// history tick, copied with `store copy`; the benchmark's twenty rules then tick and dispatch on
/// the copy exactly as on the SQLite original — the same counts, the same send log row for row
/// (and its evidence, byte for byte), the same deliveries.
@Suite("campaignd run --once on PostgreSQL")
struct RunOnPostgresTests {
    /// The printed lines without the tick's duration.
    static func withoutDuration(_ text: String) -> String {
        text.replacingOccurrences(of: #" \([0-9.]+ s\)"#, with: "", options: .regularExpression)
    }

    /// A delivered row's reason names its spool file (the send id's, in each store's spool
    /// directory): only its first word is compared.
    static let columns = "s.rule, c.external_id, s.status, CASE WHEN s.status = 'sent' THEN substr(s.reason, 1, 7) ELSE coalesce(s.reason, '') END, s.window_key, s.decided_at, coalesce(s.due_at, -1), s.target, coalesce(s.variant, ''), s.purpose, s.attempts"

    /// The send log's rows as `|`-joined lines (evidence apart, by line), sorted.
    static func sqliteRows(_ path: String) throws -> (rows: [String], evidence: [String: String]) {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var rows: [String] = []
            var evidence: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \(columns), s.evidence FROM send s JOIN customer c ON c.id = s.customer_id") {
                let line = Self.line(row, count: 11)
                rows.append(line)
                evidence[line] = row[11]
            }
            return (rows.sorted(), evidence)
        }
    }

    static func postgresRows(_ server: PostgresServer, _ database: String) throws -> (rows: [String], evidence: [String: String]) {
        let lines = try server.psql("SELECT \(columns), s.evidence FROM send s JOIN customer c ON c.id = s.customer_id", database: database)
            .split(separator: "\n").map(String.init)
        var rows: [String] = []
        var evidence: [String: String] = [:]
        for line in lines {
            let fields = line.split(separator: "|", maxSplits: 11, omittingEmptySubsequences: false).map(String.init)
            let key = fields.prefix(11).joined(separator: "|")
            rows.append(key)
            evidence[key] = fields.count > 11 ? fields[11] : ""
        }
        return (rows.sorted(), evidence)
    }

    /// The demo workspace after one `run --once` at 2026-11-21T00:00:00Z (with `extra`
    /// arguments), copied with `store copy` into a new database on the test server.
    static func demoCopiedToPostgres(extra: [String] = []) async throws
        -> (server: PostgresServer, database: String, url: String, directory: URL, demo: String)
    {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let url = server.url(database: database)
        let (directory, demo) = try await CommandLineTests.demoWorkspace()
        Bounded.expectClean(
            try await Bounded.run(["--config", demo, "run", "--once"] + extra + ["--at", "2026-11-21T00:00:00Z"], in: directory, timeout: 300),
            status: 0, stderrContains: nil)
        Bounded.expectClean(
            try await Bounded.run(["--config", demo, "store", "copy", "--to", url], in: directory, timeout: 300), status: 0, stderrContains: nil)
        return (server, database, url, directory, demo)
    }

    /// Where two sorted lists of lines first differ, for a failure message.
    static func firstDifference(_ a: [String], _ b: [String]) -> String {
        "first difference: " + (zip(a, b).first { $0 != $1 }.map { "\($0)\n\($1)" } ?? "in length")
    }

    /// A row's first `count` values `|`-joined, as psql prints them (text unquoted).
    static func line(_ row: Row, count: Int) -> String {
        (0..<count).map { (row[$0] as DatabaseValue).description.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            .joined(separator: "|")
    }

    /// `DIRECTORY/rules-typical`, holding the benchmark's twenty typical rules.
    static func typicalRules(in directory: URL) throws -> URL {
        let rules = directory.appendingPathComponent("rules-typical")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CampaigndProcess.repository.appendingPathComponent("bench/rules/typical.rules"),
            to: rules.appendingPathComponent("typical.rules"))
        return rules
    }

    @Test("the twenty typical rules tick and dispatch on the copy as on the SQLite original")
    func sameTickAndDispatch() async throws {
        let (server, database, url, directory, demo) = try await Self.demoCopiedToPostgres(extra: ["--no-dispatch"])

        let rules = try Self.typicalRules(in: directory)
        let onSQLite = try PlanOnPostgresTests.config(demo, store: "store.sqlite", rules: rules.path, spool: "spool-sqlite", in: directory, named: "sqlite.json")
        let onPostgres = try PlanOnPostgresTests.config(demo, store: url, rules: rules.path, spool: "spool-postgres", in: directory, named: "postgres.json")

        // The tick alone, then a second run that ticks again (nothing new) and dispatches.
        for arguments in [["run", "--once", "--no-dispatch", "--at", "2026-11-28T09:00:00Z"], ["run", "--once", "--at", "2026-11-28T09:00:00Z"]] {
            let sqlite = try await Bounded.run(["--config", onSQLite] + arguments, in: directory, timeout: 300)
            let postgres = try await Bounded.run(["--config", onPostgres] + arguments, in: directory, timeout: 300)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(Self.withoutDuration(postgres.stdout) == Self.withoutDuration(sqlite.stdout), "\(arguments):\n\(sqlite.stdout)\n\(postgres.stdout)")
        }
        let sqlite = try Self.sqliteRows(directory.appendingPathComponent("store.sqlite").path)
        let postgres = try Self.postgresRows(server, database)
        #expect(sqlite.rows.count > 100)
        #expect(sqlite.rows.contains { $0.contains("|sent|") } && sqlite.rows.contains { $0.contains("|skipped|") })
        #expect(postgres.rows == sqlite.rows, "\(Self.firstDifference(sqlite.rows, postgres.rows))")
        // Evidence: the same text (PostgreSQL's JSON compacted as SQLite writes it, booleans as 0 and 1).
        let differing = sqlite.rows.filter { sqlite.evidence[$0] != postgres.evidence[$0] }
        #expect(differing.isEmpty, "evidence differs in \(differing.count) rows, e.g. \(differing.first.map { "\($0): \(sqlite.evidence[$0] ?? "") vs \(postgres.evidence[$0] ?? "")" } ?? "")")
        // The same messages were spooled (file names are the send ids, which differ).
        for channel in ["email", "letter", "webhook"] {
            let count = { (spool: String) in
                (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("\(spool)/\(channel)").path).count) ?? 0
            }
            #expect(count("spool-postgres") == count("spool-sqlite"), "\(channel)")
        }

        let checked = try await Bounded.run(["--config", onPostgres, "check"], in: directory, timeout: 300)
        Bounded.expectClean(checked, status: 0, stderrContains: nil)
        #expect(checked.stdout.contains("20 rules"), "\(checked.stdout)")
    }

    @Test("the shipped rules, journeys included, tick and dispatch on the copy as on the SQLite original, week after week")
    func sameJourneys() async throws {
        let (server, database, url, directory, demo) = try await Self.demoCopiedToPostgres()
        let rules = CampaigndProcess.repository.appendingPathComponent("rules").path
        let onSQLite = try PlanOnPostgresTests.config(demo, store: "store.sqlite", rules: rules, spool: "spool-sqlite", in: directory, named: "sqlite.json")
        let onPostgres = try PlanOnPostgresTests.config(demo, store: url, rules: rules, spool: "spool-postgres", in: directory, named: "postgres.json")
        let checked = try await Bounded.run(["--config", onPostgres, "check"], in: directory, timeout: 300)
        Bounded.expectClean(checked, status: 0, stderrContains: nil)

        // Customers who never bought: three a day make their first purchase (and enter
        // onboarding), and those of two days before their second (its goal).
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("store.sqlite").path)
        let newcomers = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT external_id FROM customer WHERE id NOT IN (SELECT customer_id FROM purchase) ORDER BY id")
        }
        #expect(newcomers.count >= 42, "\(newcomers.count)")

        // Entries, steps after their waits, goals: a tick and dispatch a day, for three weeks.
        for day in 0..<21 {
            let instant = Self.start + Int64(day) * 86_400
            let at = Self.instantText(instant)
            var buyers = (3 * day..<3 * day + 3).compactMap { newcomers.indices.contains($0) && day < 14 ? newcomers[$0] : nil }
            if day >= 2, day < 16, newcomers.indices.contains(3 * (day - 2)) { buyers.append(newcomers[3 * (day - 2)]) }
            let file = directory.appendingPathComponent("purchases-\(day).csv")
            try (["customer,order,at,amount,currency"] + buyers.enumerated().map { index, customer in
                "\(customer),D\(day)-\(index),\(Self.instantText(instant - 3600)),19.90,EUR"
            }).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            for config in [onSQLite, onPostgres] {
                Bounded.expectClean(
                    try await Bounded.run(["--config", config, "import", "purchases", file.path], in: directory, timeout: 300),
                    status: 0, stderrContains: nil)
            }
            let sqlite = try await Bounded.run(["--config", onSQLite, "run", "--once", "--at", at], in: directory, timeout: 300)
            let postgres = try await Bounded.run(["--config", onPostgres, "run", "--once", "--at", at], in: directory, timeout: 300)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(Self.withoutDuration(postgres.stdout) == Self.withoutDuration(sqlite.stdout), "\(at):\n\(sqlite.stdout)\n\(postgres.stdout)")
        }
        let sqlite = try Self.sqliteRows(directory.appendingPathComponent("store.sqlite").path)
        let postgres = try Self.postgresRows(server, database)
        #expect(postgres.rows == sqlite.rows, "\(Self.firstDifference(sqlite.rows, postgres.rows))")
        let sqliteEnrolments = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.enrolmentColumns) FROM enrolment e JOIN customer c ON c.id = e.customer_id")
                .map { Self.line($0, count: $0.count) }.sorted()
        }
        let postgresEnrolments = try server.psql(
            "SELECT \(Self.enrolmentColumns) FROM enrolment e JOIN customer c ON c.id = e.customer_id", database: database
        ).split(separator: "\n").map(String.init).sorted()
        #expect(postgresEnrolments == sqliteEnrolments, "\(Self.firstDifference(sqliteEnrolments, postgresEnrolments))")
        // The three weeks did something to compare: enrolments entered, completed and ended by
        // the goal, steps sent.
        #expect(sqliteEnrolments.count >= 20, "\(sqliteEnrolments.count) enrolments")
        #expect(sqliteEnrolments.contains { $0.contains("|completed|") } && sqliteEnrolments.contains { $0.contains("|goal|") },
                "\(sqliteEnrolments)")
        #expect(sqlite.rows.contains { $0.contains("/") && $0.contains("|sent|") })
    }

    /// 2026-11-22T09:00:00Z, the first day `sameJourneys` ticks.
    static let start: Int64 = 1_795_338_000

    static func instantText(_ instant: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// An enrolment as both stores' rows are compared (NULL as empty).
    static let enrolmentColumns = "e.journey, c.external_id, e.entered_at, e.journey_hash, e.holdout, e.step, e.step_since, e.wait_ends_at, coalesce(e.ended, ''), coalesce(e.ended_detail, ''), coalesce(e.ended_at, -1)"
}
