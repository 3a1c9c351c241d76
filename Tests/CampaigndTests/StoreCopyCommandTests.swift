@testable import CustomerStore
import Foundation
import Testing
import TestSupport

/// `campaignd store copy --to postgres://…` run as the real binary against a throwaway
/// PostgreSQL server (TestSupport's `PostgresServer`; a server that cannot start fails the test).
@Suite("campaignd store copy")
struct StoreCopyCommandTests {
    /// A workspace whose SQLite store holds three customers, purchases, consents, feedback, an
    /// event and two send-log rows, written through the import as production writes them.
    static func workspace() throws -> (directory: URL, config: String) {
        let (directory, config) = try CampaigndProcess.workspace()
        let store = try CustomerStore(path: directory.appendingPathComponent("store.sqlite").path, currency: "EUR")
        let fixture = try StoreFixture(store: store)
        let day: Int64 = 1_790_000_000
        _ = try fixture.customers([
            .init("C1", email: "aino@example.fi", birthday: "1984-02-29", tags: ["vip"]),
            .init("C2", email: "bo@example.se"), .init("C3", name: "Cai"),
        ])
        try fixture.purchases([
            .init("C1", at: day, amountMinor: 12_50), .init("C1", at: day + 86_400, amountMinor: 99_00),
            .init("C2", at: day + 3_600, amountMinor: 5_00),
        ])
        try fixture.consents([.init("C1", "email", at: day), .init("C2", "email", granted: false, at: day)])
        try fixture.feedback([.init("C1", "nps", score: 9, at: day)])
        try fixture.events([.init("C3", "cart_abandoned", at: day)])
        try fixture.sends([
            StoreFixture.send("welcome", customer: try fixture.id(of: "C1"), at: day, status: .sent),
            StoreFixture.send("welcome", customer: try fixture.id(of: "C2"), at: day, status: .holdout),
        ])
        return (directory, config)
    }

    @Test("copies the SQLite store into an empty database: per-table counts printed, verified, and there in PostgreSQL")
    func copies() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, config) = try Self.workspace()
        let result = try await Bounded.run(
            ["--config", config, "store", "copy", "--to", server.url(database: database)],
            in: directory, timeout: 120)
        Bounded.expectClean(result, status: 0, stderrContains: nil)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let printed = Dictionary(lines.filter { $0.count == 2 }.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        #expect(printed["customer"] == "3" && printed["purchase"] == "3" && printed["consent"] == "2", "\(result.stdout)")
        #expect(printed["feedback"] == "1" && printed["event"] == "1" && printed["send"] == "2" && printed["customer_tag"] == "1")
        #expect(result.stdout.contains("\nverified: "), "\(result.stdout)")
        let counts = try server.psql(
            """
            SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM purchase), (SELECT count(*) FROM send),
                   (SELECT orders || ',' || spent_minor FROM customer_facts f JOIN customer c ON c.id = f.customer_id
                    WHERE c.external_id = 'C1');
            """, database: database)
        #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == "3|3|2|2,11150")
    }

    @Test("a target that holds data is refused in one line with a hint, and left as it was")
    func refusesNonEmptyTarget() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, config) = try Self.workspace()
        let url = server.url(database: database)
        let first = try await Bounded.run(
            ["--config", config, "store", "copy", "--to", url], in: directory, timeout: 120)
        Bounded.expectClean(first, status: 0, stderrContains: nil)
        _ = try server.psql("INSERT INTO customer(external_id) VALUES ('added-after')", database: database)
        let again = try await Bounded.run(
            ["--config", config, "store", "copy", "--to", url], in: directory, timeout: 120)
        Bounded.expectClean(again, status: 1, stderrContains: "the target is not empty (table customer has rows)")
        #expect(again.stderr.contains("campaignd: hint: copy into a new, empty database"), "\(again.stderr)")
        let customers = try server.psql("SELECT count(*) FROM customer", database: database)
        #expect(customers.trimmingCharacters(in: .whitespacesAndNewlines) == "4")
    }

    @Test("status, coupons, log, journeys, report and reset-winner on the copied PostgreSQL store print what they print on the SQLite store")
    func statusOnBoth() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let (directory, config) = try Self.workspace()
        let url = server.url(database: database)
        // Three codes: one without an expiry, one expiring in 2099, one expired in 2020.
        let codes = directory.appendingPathComponent("codes.csv").path
        try "code,expires\nSPRING-1,\nSPRING-2,2099-01-01\nSPRING-3,2020-01-01\n".write(toFile: codes, atomically: true, encoding: .utf8)
        Bounded.expectClean(
            try await Bounded.run(["--config", config, "import", "coupons", "SPRING", codes], in: directory, timeout: 120),
            status: 0, stderrContains: nil)
        // A journey in the rules, and enrolments: two active at "thanks" (one still waiting at the
        // --at below), one at a step the rules no longer have, one ended.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try "journey \"welcome\" {\n  enter when orders = 1\n  step \"thanks\" { send email \"journey-thanks\" }\n}\n"
            .write(to: directory.appendingPathComponent("rules/journey.rules"), atomically: true, encoding: .utf8)
        let email = directory.appendingPathComponent("templates/email")
        try FileManager.default.createDirectory(at: email, withIntermediateDirectories: true)
        for (part, text) in [("subject", "Thanks"), ("text", "Thank you.")] {
            try text.write(to: email.appendingPathComponent("journey-thanks.\(part).mustache"), atomically: true, encoding: .utf8)
        }
        let sqlite = try CustomerStore(path: directory.appendingPathComponent("store.sqlite").path, currency: "EUR")
        for (rule, variant) in [("welcome", "welcome-b"), ("winback", "winback-a")] {
            try sqlite.recordVariantWinner(VariantWinner(rule: rule, variant: variant, decidedAt: 1_790_000_000, figures: #"{"p":0.01}"#))
        }
        try await sqlite.database.write { db in
            for (customer, step, waitEnds, ended) in [("C1", "thanks", 1_790_100_000, nil), ("C2", "thanks", 1_790_300_000, nil),
                                                      ("C3", "old", 1_790_000_000, nil), ("C2", "thanks", 1_780_000_000, "left")] as [(String, String, Int64, String?)] {
                try db.execute(
                    sql: """
                        INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, step, step_since, wait_ends_at, ended, ended_detail, ended_at)
                        VALUES ('welcome', (SELECT id FROM customer WHERE external_id = ?), ?, 'v1', ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [customer, waitEnds - 86_400, step, waitEnds - 86_400, waitEnds, ended,
                                ended == nil ? nil : "step removed", ended == nil ? nil : waitEnds])
            }
            // For the report: a rule on variants (one send holding a redeemed pool code, a holdout,
            // a later second decision that is no first exposure), a journey step's rows, and rule
            // names whose byte order is not a dictionary's ("Winback" < "a_rule" < "welcome").
            let (day, later): (Int64, Int64) = (1_790_000_000, 1_790_000_000 + 10 * 86_400)
            for (id, rule, customer, at, status, reason, journey, variant, coupon) in [
                ("w-1", "Winback", "C1", day - 3 * 86_400, "sent", nil, nil, "winback-a", "SPRING-1"),
                ("w-2", "Winback", "C2", day - 3 * 86_400, "sent", nil, nil, "winback-b", nil),
                ("w-3", "Winback", "C3", day - 3 * 86_400, "holdout", "holdout", nil, nil, nil),
                ("w-4", "Winback", "C1", later, "queued", nil, nil, "winback-b", nil),
                ("a-1", "a_rule", "C2", day, "sent", nil, nil, nil, nil),
                ("j-1", "welcome/thanks", "C1", day, "sent", nil, "welcome", nil, nil),
                ("j-2", "welcome/thanks", "C3", day, "skipped", "no_consent", "welcome", nil, nil),
            ] as [(String, String, String, Int64, String, String?, String?, String?, String?)] {
                try db.execute(
                    sql: """
                        INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                         reason, updated_at, journey, step, variant, coupon)
                        VALUES (?, ?, 'h', (SELECT id FROM customer WHERE external_id = ?), 'email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [id, rule, customer, variant ?? rule, at, at, status, reason, at, journey,
                                journey == nil ? nil : "thanks", variant, coupon])
            }
            try db.execute(
                sql: "UPDATE coupon SET redeemed_at = ? WHERE code = 'SPRING-1'", arguments: [day])
        }
        Bounded.expectClean(
            try await Bounded.run(["--config", config, "store", "copy", "--to", url], in: directory, timeout: 120),
            status: 0, stderrContains: nil)
        let postgresConfig = directory.appendingPathComponent("postgres.json").path
        try #"{"store": "\#(url)"}"#.write(toFile: postgresConfig, atomically: true, encoding: .utf8)
        /// Runs `arguments` on the SQLite store, then on the PostgreSQL one; each must exit 0 cleanly.
        func onBoth(_ arguments: [String]) async throws -> (sqlite: Bounded.Result, postgres: Bounded.Result) {
            let sqlite = try await Bounded.run(["--config", config] + arguments, in: directory, timeout: 120)
            let postgres = try await Bounded.run(["--config", postgresConfig] + arguments, in: directory, timeout: 120)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            return (sqlite, postgres)
        }
        let (onSQLite, onPostgres) = try await onBoth(["status"])
        let (sqliteLines, postgresLines) = (onSQLite.stdout.split(separator: "\n"), onPostgres.stdout.split(separator: "\n"))
        // Both stores run the same named migrations, so the counts match too.
        let applied = sqliteLines.first.flatMap { $0.range(of: " (") }.map { sqliteLines[0][$0.lowerBound...] } ?? "none"
        #expect(postgresLines.first.map(String.init) == "store      \(url)\(applied)", "\(onSQLite.stdout)\n\(onPostgres.stdout)")
        #expect(applied.hasSuffix(" migrations applied)"))
        #expect(sqliteLines.count == 7 && postgresLines.dropFirst() == sqliteLines.dropFirst(), "\(onSQLite.stdout)\n\(onPostgres.stdout)")
        #expect(sqliteLines.contains("customers  3 (2 with purchases)"), "\(onSQLite.stdout)")
        let (poolsOnSQLite, poolsOnPostgres) = try await onBoth(["coupons", "--json"])
        #expect(poolsOnSQLite.stdout.contains(#""expired" : 1"#) && poolsOnSQLite.stdout.contains(#""left" : 1"#)
                && poolsOnSQLite.stdout.contains(#""redeemed" : 1"#), "\(poolsOnSQLite.stdout)")
        #expect(poolsOnPostgres.stdout == poolsOnSQLite.stdout, "\(poolsOnSQLite.stdout)\n\(poolsOnPostgres.stdout)")
        // log: every row as JSON, one rule as text, and a misspelt rule's warning with its did-you-mean.
        for arguments in [["log", "--json"], ["log", "--rule", "welcome", "--status", "sent"], ["log", "--rule", "welcom"]] {
            let (logOnSQLite, logOnPostgres) = try await onBoth(arguments)
            #expect(logOnPostgres.stdout == logOnSQLite.stdout && logOnPostgres.stderr == logOnSQLite.stderr,
                    "\(arguments): \(logOnSQLite.stdout)\(logOnSQLite.stderr)\n\(logOnPostgres.stdout)\(logOnPostgres.stderr)")
        }
        let (journeysOnSQLite, journeysOnPostgres) = try await onBoth(["journeys", "--json", "--at", "2026-09-23T12:00:00Z"])
        #expect(journeysOnPostgres.stdout == journeysOnSQLite.stdout, "\(journeysOnSQLite.stdout)\n\(journeysOnPostgres.stdout)")
        #expect(journeysOnSQLite.stdout.contains(#""active" : 3"#) && journeysOnSQLite.stdout.contains(#""left: step removed" : 1"#)
                && journeysOnSQLite.stdout.contains(#""waiting" : 1"#), "\(journeysOnSQLite.stdout)")
        // report: every rule and journey (JSON, text and the HTML page), one rule, one journey; a
        // misspelt rule or journey fails alike, with the same did-you-mean.
        let html = (directory.appendingPathComponent("sqlite.html").path, directory.appendingPathComponent("postgres.html").path)
        for arguments in [["report", "--json", "--at", "2026-10-15"], ["report", "--at", "2026-10-15"],
                          ["report", "--rule", "Winback", "--json", "--at", "2026-10-15", "--since", "2026-09-01"],
                          ["report", "--journey", "welcome", "--at", "2026-10-15", "--window", "30"]] {
            let sqlite = try await Bounded.run(["--config", config] + arguments + ["--html", html.0], in: directory, timeout: 120)
            let postgres = try await Bounded.run(["--config", postgresConfig] + arguments + ["--html", html.1], in: directory, timeout: 120)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(postgres.stdout == sqlite.stdout, "\(arguments): \(sqlite.stdout)\n\(postgres.stdout)")
            #expect(try String(contentsOfFile: html.1, encoding: .utf8) == String(contentsOfFile: html.0, encoding: .utf8), "\(arguments)")
        }
        let (reportOnSQLite, _) = try await onBoth(["report", "--json", "--at", "2026-10-15"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reportOnSQLite.stdout.utf8)) as? [String: Any])
        let rules = try #require(report["rules"] as? [[String: Any]])
        #expect(rules.map { $0["rule"] as? String } == ["Winback", "a_rule", "welcome"], "\(reportOnSQLite.stdout)")
        let winback = try #require(rules.first)
        #expect((winback["recipients"] as? [String: Any])?["customers"] as? Int == 2, "\(reportOnSQLite.stdout)")
        #expect((winback["holdout"] as? [String: Any])?["customers"] as? Int == 1, "\(reportOnSQLite.stdout)")
        #expect((winback["coupons"] as? [String: Any])?["redeemed"] as? Int == 1, "\(reportOnSQLite.stdout)")
        let groups = (winback["variants"] as? [String: Any])?["groups"] as? [[String: Any]]
        #expect(groups?.compactMap { $0["variant"] as? String } == ["winback-a", "winback-b"], "\(reportOnSQLite.stdout)")
        let journeys = try #require(report["journeys"] as? [[String: Any]])
        #expect(journeys.map { $0["journey"] as? String } == ["welcome"], "\(reportOnSQLite.stdout)")
        for arguments in [["report", "--rule", "welcom"], ["report", "--journey", "welcom"], ["report", "--rule", "welcome/thanks"]] {
            let sqlite = try await Bounded.run(["--config", config] + arguments, in: directory, timeout: 120)
            let postgres = try await Bounded.run(["--config", postgresConfig] + arguments, in: directory, timeout: 120)
            Bounded.expectClean(sqlite, status: 1, stderrContains: arguments[1] == "--journey" ? "no journey named" : "welcom")
            #expect(postgres.status == 1 && postgres.stderr == sqlite.stderr, "\(arguments): \(sqlite.stderr)\n\(postgres.stderr)")
        }
        // reset-winner: removes one winner, then says there is none and names the other rule; the
        // same on both stores, run against PostgreSQL first.
        for configFile in [postgresConfig, config] {
            let reset = try await Bounded.run(["--config", configFile, "reset-winner", "welcome"], in: directory, timeout: 120)
            Bounded.expectClean(reset, status: 0, stderrContains: nil)
            #expect(reset.stdout.contains(#"removed winner "welcome-b" of rule "welcome""#), "\(configFile): \(reset.stdout)")
            let again = try await Bounded.run(["--config", configFile, "reset-winner", "welcome"], in: directory, timeout: 120)
            Bounded.expectClean(again, status: 1, stderrContains: #"reset-winner: rule "welcome" has no recorded winner"#)
            #expect(again.stderr.contains("hint: rules with a winner: winback"), "\(configFile): \(again.stderr)")
        }
        #expect(try server.psql("SELECT rule FROM variant_winner", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "winback")
        let everyRow = try await Bounded.run(["--config", postgresConfig, "log", "--json"], in: directory, timeout: 120)
        #expect(everyRow.stdout.components(separatedBy: #""send_id""#).count == 10, "nine rows: \(everyRow.stdout)")
        #expect(everyRow.stdout.contains(#""customer" : "C1""#) && everyRow.stdout.contains(#""status" : "holdout""#))
        let misspelt = try await Bounded.run(["--config", postgresConfig, "log", "--rule", "welcom"], in: directory, timeout: 120)
        #expect(misspelt.stderr.contains(#"did you mean "welcome"?"#), "\(misspelt.stderr)")
    }

    @Test("a bad --to URL is one line with a hint, before anything is opened")
    func badURL() async throws {
        let (directory, config) = try Self.workspace()
        let result = try await Bounded.run(
            ["--config", config, "store", "copy", "--to", "postgres://u:pw@127.0.0.1/shop"],
            in: directory, timeout: 60)
        Bounded.expectClean(result, status: 1, stderrContains: "campaignd: --to URL must not hold a password")
        #expect(!result.stderr.contains("pw@"))
    }
}

/// Commands on a PostgreSQL store that nothing answers on: one line, no connection attempt
/// hanging (issue 18: every command that opens the store runs on PostgreSQL now).
@Suite("commands on a PostgreSQL store")
struct PostgresStoreRefusalTests {
    @Test("run, run --once, unsubscribe, import and forget, which run on PostgreSQL, say in one line that nothing answers", arguments: [
        ["run", "--once"], ["run"], ["unsubscribe", "token"], ["import", "customers", "customers.csv"], ["forget", "C1"],
        ["import", "coupons", "SPRING", "codes.txt"],
    ])
    func unreachable(command: [String]) async throws {
        let (directory, config) = try CampaigndProcess.workspace()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try #"rule "r" { when consent email  send email "r"  purpose service }"#.write(
            to: directory.appendingPathComponent("rules/r.rules"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("templates/email"), withIntermediateDirectories: true)
        try "Hello".write(to: directory.appendingPathComponent("templates/email/r.subject.mustache"), atomically: true, encoding: .utf8)
        try "Hello".write(to: directory.appendingPathComponent("templates/email/r.text.mustache"), atomically: true, encoding: .utf8)
        try #"{"store": "postgres://campaignd@127.0.0.1:1/shop", "channels": {"email": {"mode": "spool", "spool_directory": "spool", "from": "Shop <shop@example.com>"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await Bounded.run(["--config", config] + command, in: directory, timeout: 60)
        Bounded.expectClean(result, status: 1, stderrContains: "127.0.0.1:1")
        #expect(result.stderr.contains("connection refused"), "\(result.stderr)")
    }
}
