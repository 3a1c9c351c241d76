import Foundation
import GRDB
import Testing
import TestSupport

/// Runs the built `campaignd` executable and captures what it prints.
struct CampaigndProcess {
    static let executable: URL = {
        // Tests run from the build directory, beside the executable.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("campaignd")
    }()
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    typealias Result = ChildProcess

    /// Runs `campaignd` with `arguments` and waits for it off the cooperative pool (`OffPool`).
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Result {
        try await ChildProcess.finished(executable, arguments, in: directory)
    }

    /// `run` holding the calling thread while it waits: only for a caller that cannot be async
    /// (the degenerate-store matrix builds its stores once, in a static initializer).
    static func runSynchronously(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        try ChildProcess.run(executable, arguments, in: directory)
    }

    /// A new empty directory with a config whose store lives inside it.
    static func workspace() throws -> (directory: URL, config: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("config.json").path
        try #"{"store": "store.sqlite"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    /// `workspace()` on `kind`: its store a SQLite file inside the directory, or a new database on
    /// the test process's PostgreSQL server.
    static func workspace(on kind: StoreKind) throws -> (directory: URL, config: String) {
        let (directory, config) = try workspace()
        try #"{"store": "\#(try store(kind))"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, config)
    }

    /// Moves the SQLite store of `config` (run in `directory`) to `kind`: for PostgreSQL, copies
    /// it with `store copy --to` into a new database and points the config at that. The SQLite
    /// store stays where it was.
    static func move(_ config: String, in directory: URL, to kind: StoreKind) async throws {
        guard kind == .postgres else { return }
        let url = try store(.postgres)
        let copy = try await run(["--config", config, "store", "copy", "--to", url], in: directory)
        #expect(copy.status == 0, "\(copy.stderr)")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any])
        object["store"] = url
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: config))
    }

    /// The first column of every row `sql` selects, as text (NULL as nothing), on the store of
    /// `config` (run in `directory`).
    static func values(_ sql: String, config: String, in directory: URL) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as? [String: Any])
        let store = try #require(object["store"] as? String)
        if let url = URL(string: store), url.scheme == "postgres" {
            let output = try PostgresServer.shared().psql(sql, database: url.lastPathComponent)
            return output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        let path = store.hasPrefix("/") ? store : directory.appendingPathComponent(store).path
        return try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: sql).map { (String.fromDatabaseValue($0[0]) ?? ($0[0] as Int64?).map(String.init)) ?? "" }
        }
    }

    /// The config's `store` for a new store of `kind`: `store.sqlite`, or the URL of a new
    /// PostgreSQL database.
    static func store(_ kind: StoreKind) throws -> String {
        switch kind {
        case .sqlite: "store.sqlite"
        case .postgres: try PostgresServer.shared().url(database: PostgresServer.shared().createDatabase())
        }
    }
}

@Suite("campaignd command line")
struct CommandLineTests {
    @Test("the synthetic data imports and status counts it", arguments: StoreKind.allCases)
    func demo(on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace(on: kind)
        try await Self.importSynthetic(config: config, in: directory)
        let status = try await CampaigndProcess.run(["--config", config, "status"], in: directory)
        #expect(status.status == 0)
        #expect(status.stdout.contains("customers  300 ("))
        #expect(status.stdout.contains("purchases  3000, "))
    }

    @Test("generate is deterministic, and --demo only adds the planted customers' rows")
    func generateIsDeterministic() async throws {
        let (directory, _) = try CampaigndProcess.workspace()
        func generate(_ name: String, _ extra: [String]) async throws -> URL {
            let out = directory.appendingPathComponent(name)
            let result = try await CampaigndProcess.run(["generate", "--customers", "300", "--purchases", "3000", "--seed", "2026",
                                                   "--until", "2026-11-20", "--out", out.path] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            return out
        }
        let plain = try await generate("plain", []), again = try await generate("again", []), demo = try await generate("demo", ["--demo"])
        for name in ["customers.csv", "purchases.csv", "consents.csv", "feedback.csv", "events.csv"] {
            let plainLines = try String(contentsOf: plain.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            let againLines = try String(contentsOf: again.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            let demoLines = try String(contentsOf: demo.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            #expect(plainLines == againLines, "\(name) differs between two runs")
            // Planted customers are numbered after the 300 synthetic ones.
            let planted = demoLines.filter { $0.hasPrefix("C0000") && Int($0.dropFirst().prefix(7))! > 300 }
            #expect(demoLines.filter { !planted.contains($0) } == plainLines, "\(name): --demo changed a synthetic row")
            #expect(!planted.isEmpty, "\(name): nothing planted")
        }
    }

    @Test("a bad import prints each problem as FILE:LINE:COLUMN and one clear line, exit status 1", arguments: StoreKind.allCases)
    func badImport(on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace(on: kind)
        let file = directory.appendingPathComponent("customers.csv").path
        try "id,email\nC1,nope\nC2,b@example.fi\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await CampaigndProcess.run(["--config", config, "import", "customers", file])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").filter { !$0.contains(" info ") }
        #expect(lines == [
            "\(file):2:4: invalid email address 'nope'",
            "campaignd: \(file): 1 invalid row; nothing was imported (use --skip-invalid to import the good rows)",
        ])
    }

    @Test("a missing config file is one line and a hint, never a stack trace")
    func missingConfig() async throws {
        let (directory, _) = try CampaigndProcess.workspace()
        let result = try await CampaigndProcess.run(["--config", "nope.json", "status"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr == """
            campaignd: nope.json: no such file (copy config.example.json to start)
            campaignd: hint: see config.example.json for every key and its default

            """)
    }

    @Test("an unknown import kind is a usage error")
    func unknownKind() async throws {
        let result = try await CampaigndProcess.run(["import", "orders", "x.csv"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("orders"))
    }

    @Test("check passes on the demo config with the repository's rules and templates")
    func checkDemo() async throws {
        let config = CampaigndProcess.repository.appendingPathComponent("examples/demo/config.json").path
        let result = try await CampaigndProcess.run(["--config", config, "check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "7 rules, 2 journeys, 3 segments OK\n")
    }

    @Test("check reports a misspelt fact with its location, a caret and a suggestion, and exits 1")
    func checkError() async throws {
        let (directory, config) = try CampaigndProcess.workspace()
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try """
            rule "winback" {
              when order >= 2
              send webhook "crm"
              limit once
            }

            """.write(to: rules.appendingPathComponent("winback.rules"), atomically: true, encoding: .utf8)
        try #"{"store": "store.sqlite", "channels": {"webhook": {"endpoints": {"crm": {"url": "http://127.0.0.1:9/x"}}}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CampaigndProcess.run(["--config", "config.json", "check"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("""
            rules/winback.rules:2:8: error: unknown fact 'order'
              2 |   when order >= 2
                |        ^~~~~ did you mean 'orders'?
            """), "\(result.stderr)")
    }

    /// Generates the synthetic data set the demo shipped as fixed files until issue 19 (300
    /// customers, 3000 purchases, seed 2026, up to 2026-11-20, nothing planted) and imports it.
    static func importSynthetic(config: String, in directory: URL) async throws {
        let data = directory.appendingPathComponent("data")
        let generated = try await CampaigndProcess.run(["generate", "--customers", "300", "--purchases", "3000", "--seed", "2026",
                                                  "--until", "2026-11-20", "--out", data.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        for kind in ["customers", "purchases", "consents", "feedback", "events"] {
            let result = try await CampaigndProcess.run(["--config", config, "import", kind, data.appendingPathComponent("\(kind).csv").path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("0 invalid"))
        }
    }

    /// A workspace with the demo's config, the repository's rules and templates, and a store
    /// holding the synthetic data set of `importSynthetic`.
    static func demoWorkspace(on kind: StoreKind = .sqlite) async throws -> (directory: URL, config: String) {
        let (directory, config) = try CampaigndProcess.workspace()
        let store = try CampaigndProcess.store(kind)
        let repository = CampaigndProcess.repository
        let demo = repository.appendingPathComponent("examples/demo")
        try String(contentsOf: demo.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"../../var/demo/campaignd.sqlite\"", with: "\"\(store)\"")
            .replacingOccurrences(of: "\"../../var/demo/spool/", with: "\"spool/")
            .replacingOccurrences(of: "\"rules\": \"../../rules\"", with: "\"rules\": \"\(repository.path)/rules\"")
            .replacingOccurrences(of: "\"templates\": \"../../templates\"", with: "\"templates\": \"\(repository.path)/templates\"")
            .replacingOccurrences(of: "\"secrets/", with: "\"\(demo.path)/secrets/")
            .write(toFile: config, atomically: true, encoding: .utf8)
        try await importSynthetic(config: config, in: directory)
        return (directory, config)
    }

    @Test("plan on the demo: a table by default, documented JSON with --json, and nothing written", arguments: StoreKind.allCases)
    func planDemo(on kind: StoreKind) async throws {
        let (directory, config) = try await Self.demoWorkspace(on: kind)
        let before = try await CampaigndProcess.run(["--config", config, "status"], in: directory)
        let text = try await CampaigndProcess.run(["--config", config, "plan", "--at", "2026-11-20"], in: directory)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("nothing is sent or written"))
        #expect(text.stdout.contains("winback-coupon"))
        let json = try await CampaigndProcess.run(["--config", config, "plan", "--at", "2026-11-20", "--json"], in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let rules = document["rules"] as! [[String: Any]]
        #expect(rules.map { $0["rule"] as! String } == [
            "lapsed-regular", "second-reminder", "winback-coupon", "birthday", "key-thank-you-letter", "detractor-alert", "abandoned-cart",
        ])
        let winback = try #require(rules.first { $0["rule"] as? String == "winback-coupon" })
        #expect((winback["matched"] as! Int) > 0)
        #expect((winback["would_send"] as! Int) + (winback["skipped"] as! [String: Int]).values.reduce(0, +) == winback["matched"] as! Int)
        let one = try await CampaigndProcess.run(["--config", config, "plan", "--at", "2026-11-20", "--json", "--rule", "winback-coupon"], in: directory)
        let oneRules = (try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as! [String: Any])["rules"] as! [[String: Any]]
        #expect(oneRules.count == 1 && oneRules[0]["would_send"] as? Int == winback["would_send"] as? Int)
        let after = try await CampaigndProcess.run(["--config", config, "status"], in: directory)
        #expect(before.stdout == after.stdout)
        let sends = try await CampaigndProcess.run(["--config", config, "plan", "--show-sql", "--rule", "winback-coupon"], in: directory)
        // Facts first: SQLite's `CROSS JOIN` keeps the written order; PostgreSQL's spelling is a
        // lateral subquery (docs/performance.md, "PostgreSQL: `plan`").
        #expect(sends.stdout.contains(
            kind == .sqlite ? "FROM customer_facts f CROSS JOIN customer c" : "FROM customer_facts f JOIN LATERAL (SELECT * FROM customer c"),
            "\(sends.stdout)")
        #expect(!sends.stdout.contains("winback-coupon'"), "rule text must be an argument, not SQL")
    }

    @Test("explain shows each condition with the customer's values; unknown names fail cleanly", arguments: StoreKind.allCases)
    func explainDemo(on kind: StoreKind) async throws {
        let (directory, config) = try await Self.demoWorkspace(on: kind)
        let result = try await CampaigndProcess.run(["--config", config, "explain", "C0000005", "--at", "2026-11-20"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rule \"winback-coupon\""))
        #expect(result.stdout.contains("✓ orders >= 2   [orders = "))
        #expect(result.stdout.contains("→ "))
        let nobody = try await CampaigndProcess.run(["--config", config, "explain", "NOBODY"], in: directory)
        #expect(nobody.status == 1 && nobody.stderr.hasPrefix("campaignd: no customer with id \"NOBODY\""))
        let misspelt = try await CampaigndProcess.run(["--config", config, "plan", "--rule", "winback-cupon"], in: directory)
        #expect(misspelt.status == 1 && misspelt.stderr.contains("did you mean \"winback-coupon\"?"))
        let badTime = try await CampaigndProcess.run(["--config", config, "plan", "--at", "yesterday"], in: directory)
        #expect(badTime.status == 1 && badTime.stderr.contains("--at 'yesterday' is not a date or time"))
        // A store that is not there: a missing file, or a database the server does not hold.
        let noStore = directory.appendingPathComponent("other.json").path
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let missingStore = kind == .sqlite
            ? text.replacingOccurrences(of: "store.sqlite", with: "none/store.sqlite")
            : text.replacingOccurrences(
                of: #"(postgres://[^"/]*)/[A-Za-z0-9_]+""#, with: #"$1/no_such_database""#, options: .regularExpression)
        #expect(missingStore != text)
        try missingStore.write(toFile: noStore, atomically: true, encoding: .utf8)
        let missing = try await CampaigndProcess.run(["--config", noStore, "plan"], in: directory)
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains(kind == .sqlite ? "no store at" : "no_such_database"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 2, "one line and a hint: \(missing.stderr)")
    }

    @Test("check renders every template a rule names and reports an unknown variable with file:line")
    func checkTemplates() async throws {
        let (directory, config) = try CampaigndProcess.workspace()
        let files = [
            "rules/winback.rules": "rule \"winback\" {\n  when orders >= 2\n  send email \"winback\"\n  limit once\n}\n",
            "templates/email/winback.subject.mustache": "Hei {{customer.name}}\n",
            "templates/email/winback.text.mustache": "Hei {{customer.name}},\n\n{{customer.nmae}} {{send.coupon}}\n",
            "templates/email/winback.html.mustache": "<p>{{#customer.city}}{{customer.city}}{{/customer.cty}}</p>\n",
        ]
        for (path, content) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        try #"{"store": "store.sqlite", "channels": {"email": {"mode": "live", "smtp_url": "smtp://mail.example.com"}}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CampaigndProcess.run(["--config", "config.json", "check"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("templates/email/winback.text.mustache:3: error: unknown variable 'customer.nmae' (did you mean 'customer.name'?)\n"), "\(result.stderr)")
        #expect(result.stderr.contains("templates/email/winback.html.mustache:1:"), "\(result.stderr)")
        #expect(result.stderr.contains("config: error: 'channels.email.from' is needed for live email"), "\(result.stderr)")
    }

    @Test("forget erases a customer with one line or documented JSON; an unknown id is one clear line, exit 1", arguments: StoreKind.allCases)
    func forget(on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace(on: kind)
        let customers = directory.appendingPathComponent("customers.csv").path
        try "id,email,name,tags\nK1,k1@example.fi,Kaisa,vip\nK2,k2@example.fi,Kalle,\n".write(toFile: customers, atomically: true, encoding: .utf8)
        #expect(try await CampaigndProcess.run(["--config", config, "import", "customers", customers]).status == 0)

        let line = try await CampaigndProcess.run(["--config", config, "forget", "K1"])
        #expect(line.status == 0, "\(line.stderr)")
        #expect(line.stdout.hasPrefix("forgot customer K1: deleted the profile, 0 purchases, 0 events, 0 feedback, 0 consents, 1 tag;"))
        #expect(line.stdout.split(separator: "\n").count == 1)

        let json = try await CampaigndProcess.run(["--config", config, "forget", "K2", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["customer"] as? String == "K2")
        #expect(object?["suppressed"] as? [String] == ["email", "webhook"])
        #expect(Set(object?.keys.map { $0 } ?? []) == [
            "customer", "purchases", "events", "feedback", "consents", "tags", "sends_scrubbed", "sends_cancelled",
            "suppressed", "wal_truncated",
        ])

        let unknown = try await CampaigndProcess.run(["--config", config, "forget", "K1"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix(#"campaignd: forget: no customer with id "K1" in "#))
        #expect(unknown.stderr.split(separator: "\n").count == 2, "one line and a hint: \(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
    }
}
