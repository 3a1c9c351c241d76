import Foundation
import Testing
import TestSupport

/// `campaignd plan` and `explain` on a PostgreSQL store (issue 18): the demo's synthetic store, after a tick
/// (so limits and the contact-pressure cap have sends to count), copied to a throwaway PostgreSQL
/// server with `store copy`; the plan of each rule set, and the explanation of each of 24
/// customers, must print the same bytes on the copy as on its SQLite original.
@Suite("campaignd plan and explain on PostgreSQL")
struct PlanOnPostgresTests {
    /// The demo config with another store and rules directory, and with `spool`, the spool
    /// channels writing under that directory of `directory`.
    static func config(
        _ demo: String, store: String, rules: String, spool: String? = nil, in directory: URL, named name: String
    ) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: demo))) as? [String: Any])
        object["store"] = store
        object["rules"] = rules
        if let spool {
            var channels = try #require(object["channels"] as? [String: Any])
            for (name, value) in channels {
                guard var channel = value as? [String: Any], channel["mode"] as? String == "spool" else { continue }
                channel["spool_directory"] = directory.appendingPathComponent("\(spool)/\(name)").path
                channels[name] = channel
            }
            object["channels"] = channels
        }
        let path = directory.appendingPathComponent(name).path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The last rule of a rule set: a single-rule plan or explanation of it evaluates every rule
    /// that takes the cap before it.
    static func last(_ name: String) -> String { name == "typical" ? "swedish-speakers" : "abandoned-cart" }

    @Test("plan and explain print what they print on the SQLite store, for the benchmark's twenty rules and the shipped lifecycle rules")
    func samePlan() async throws {
        let (server, database, url, directory, demo) = try await RunOnPostgresTests.demoCopiedToPostgres(extra: ["--no-dispatch"])

        let repository = CampaigndProcess.repository
        for (name, file) in [("typical", "bench/rules/typical.rules"), ("lifecycle", "rules/lifecycle.rules")] {
            let rules = directory.appendingPathComponent("rules-\(name)")
            try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: repository.appendingPathComponent(file), to: rules.appendingPathComponent("\(name).rules"))
            let onSQLite = try Self.config(demo, store: "store.sqlite", rules: rules.path, in: directory, named: "\(name)-sqlite.json")
            let onPostgres = try Self.config(demo, store: url, rules: rules.path, in: directory, named: "\(name)-postgres.json")
            var wouldSend = 0
            for arguments in [["plan", "--json", "--at", "2026-11-28T09:00:00Z"], ["plan", "--at", "2026-11-21T20:30:00Z", "--sample", "3"],
                              ["plan", "--json", "--at", "2026-11-21T00:00:00Z", "--sample", "0"]] {
                let sqlite = try await Bounded.run(["--config", onSQLite] + arguments, in: directory, timeout: 300)
                let postgres = try await Bounded.run(["--config", onPostgres] + arguments, in: directory, timeout: 300)
                Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
                Bounded.expectClean(postgres, status: 0, stderrContains: nil)
                #expect(postgres.stdout == sqlite.stdout, "\(name) \(arguments):\n\(sqlite.stdout)\n\(postgres.stdout)")
                if arguments[1] == "--json", arguments[3] == "2026-11-28T09:00:00Z" {
                    let plan = try #require(try JSONSerialization.jsonObject(with: Data(sqlite.stdout.utf8)) as? [String: Any])
                    wouldSend = try #require((plan["totals"] as? [String: Any])?["would_send"] as? Int)
                    // Rules read on several PostgreSQL connections sharing one exported snapshot:
                    // any number of them, the same plan, samples included.
                    for threads in ["1", "3", "8"] {
                        let sliced = try await Bounded.run(["--config", onPostgres] + arguments + ["--threads", threads], in: directory, timeout: 300)
                        Bounded.expectClean(sliced, status: 0, stderrContains: nil)
                        #expect(sliced.stdout == sqlite.stdout, "\(name) \(arguments) --threads \(threads):\n\(sliced.stdout)")
                    }
                }
            }
            // explain: the first 24 customers (sent to, skipped for a limit or consent, held out),
            // all rules and one, print the same lines on both stores.
            for number in 1...24 {
                let customer = String(format: "C%07d", number)
                for arguments in [["explain", customer, "--at", "2026-11-28T09:00:00Z"], ["explain", customer, "--rule", Self.last(name), "--at", "2026-11-21T20:30:00Z"]] {
                    let sqlite = try await Bounded.run(["--config", onSQLite] + arguments, in: directory, timeout: 300)
                    let postgres = try await Bounded.run(["--config", onPostgres] + arguments, in: directory, timeout: 300)
                    Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
                    Bounded.expectClean(postgres, status: 0, stderrContains: nil)
                    #expect(postgres.stdout == sqlite.stdout, "\(name) \(arguments):\n\(sqlite.stdout)\n\(postgres.stdout)")
                }
            }
            let unknown = ["explain", "C9999999"]
            let (sqliteUnknown, postgresUnknown) = (
                try await Bounded.run(["--config", onSQLite] + unknown, in: directory, timeout: 300),
                try await Bounded.run(["--config", onPostgres] + unknown, in: directory, timeout: 300))
            Bounded.expectClean(sqliteUnknown, status: 1, stderrContains: #"no customer with id "C9999999""#)
            Bounded.expectClean(postgresUnknown, status: 1, stderrContains: #"no customer with id "C9999999""#)
            // Something is decided, and the tick's sends count: limits skip some customers.
            #expect(wouldSend > 0, "\(name)")
            let skips = try await Bounded.run(["--config", onPostgres, "plan", "--at", "2026-11-21T00:00:00Z"], in: directory, timeout: 300)
            #expect(skips.stdout.contains("limit"), "\(name): \(skips.stdout)")
            // One rule: the rules competing for the cap before it are taken into account alike.
            let one = ["plan", "--json", "--rule", Self.last(name), "--at", "2026-11-28T09:00:00Z"]
            let sqlite = try await Bounded.run(["--config", onSQLite] + one, in: directory, timeout: 300)
            let postgres = try await Bounded.run(["--config", onPostgres] + one, in: directory, timeout: 300)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(postgres.stdout == sqlite.stdout && sqlite.status == 0, "\(name) \(one):\n\(sqlite.stdout)\n\(postgres.stdout)")
        }

        // The shipped rules hold journeys: their plan (a rehearsed tick) and each customer's
        // enrolments and journey conditions print alike too, and the rehearsal leaves no trace.
        let shipped = repository.appendingPathComponent("rules").path
        let journeysOnSQLite = try Self.config(demo, store: "store.sqlite", rules: shipped, in: directory, named: "journeys-sqlite.json")
        let journeysOnPostgres = try Self.config(demo, store: url, rules: shipped, in: directory, named: "journeys-postgres.json")
        let enrolmentsBefore = try server.psql("SELECT count(*) FROM enrolment", database: database)
        var plans: [String] = []
        for arguments in [["plan", "--at", "2026-11-28T09:00:00Z"], ["plan", "--json", "--at", "2026-11-28T09:00:00Z"],
                          ["plan", "--journey", "onboarding", "--at", "2026-11-24T09:00:00Z"],
                          ["explain", "C0000001", "--at", "2026-11-28T09:00:00Z"],
                          ["explain", "C0000002", "--journey", "onboarding", "--at", "2026-11-28T09:00:00Z"]]
            + (3...12).map { ["explain", String(format: "C%07d", $0), "--at", "2026-11-24T09:00:00Z"] }
        {
            let sqlite = try await Bounded.run(["--config", journeysOnSQLite] + arguments, in: directory, timeout: 300)
            let postgres = try await Bounded.run(["--config", journeysOnPostgres] + arguments, in: directory, timeout: 300)
            Bounded.expectClean(sqlite, status: 0, stderrContains: nil)
            Bounded.expectClean(postgres, status: 0, stderrContains: nil)
            #expect(postgres.stdout == sqlite.stdout, "\(arguments):\n\(sqlite.stdout)\n\(postgres.stdout)")
            if arguments[0] == "plan" { plans.append(sqlite.stdout) }
        }
        #expect(plans.allSatisfy { $0.contains("journey") } && plans[0].contains("winback-coupon"), "\(plans)")
        #expect(try server.psql("SELECT count(*) FROM enrolment", database: database) == enrolmentsBefore)
    }
}
