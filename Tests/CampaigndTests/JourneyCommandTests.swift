import Foundation
import GRDB
import Testing
import TestSupport

/// `journeys`, `log --journey` and the journey parts of `plan` and `explain`, on the demo store
/// with enrolments and journey sends written into it: of `onboarding` (in rules/journeys.rules,
/// under another version than the loaded one) and of `retired`, which the store knows but the
/// rules do not. `journeys` and `log --journey` run on both stores: the seeded SQLite store is
/// moved to PostgreSQL with `store copy --to` (`CampaigndProcess.move`).
@Suite("campaignd journeys and log --journey")
struct JourneyCommandTests {
    static func seed(_ config: String, in directory: URL) throws {
        let store = try DatabaseQueue(path: directory.appendingPathComponent("store.sqlite").path)
        try store.write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM customer ORDER BY id LIMIT 4")
            let now: Int64 = 1_790_000_000
            let rows: [(Int64, String, Int64, String?, String?)] = [
                (ids[0], "tips", now + 86_400, nil, nil),
                (ids[1], "tips", now - 60, nil, nil),
                (ids[2], "review", now, "goal", nil),
                (ids[3], "tips", now, "left", "step removed"),
            ]
            try db.execute(
                sql: """
                    INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, step, step_since, wait_ends_at)
                    VALUES ('retired', ?, ?, 'h0', 'hello', ?, ?)
                    """,
                arguments: [ids[0], now - 86_400, now - 86_400, now + 86_400])
            for (customer, step, waitEnds, ended, detail) in rows {
                try db.execute(
                    sql: """
                        INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, step, step_since, wait_ends_at,
                                              ended, ended_detail, ended_at)
                        VALUES ('onboarding', ?, ?, 'h1', ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [customer, now - 86_400, step, now - 86_400, waitEnds, ended, detail, ended == nil ? nil : now])
                try db.execute(
                    sql: """
                        INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                         updated_at, journey, step)
                        VALUES (?, 'onboarding/thanks', 'h1', ?, 'email', 'onboarding-thanks', ?, ?, 'sent', ?, 'onboarding', 'thanks')
                        """,
                    arguments: ["s\(customer)", customer, now - 86_400, now - 86_400, now - 86_400])
            }
        }
    }

    @Test("journeys: customers per step and waiting, ended by reason, as text and documented JSON", arguments: StoreKind.allCases)
    func journeys(on kind: StoreKind) async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try Self.seed(config, in: directory)
        try await CampaigndProcess.move(config, in: directory, to: kind)
        let json = try await CampaigndProcess.run(["--config", config, "journeys", "--at", "2026-09-21T15:00:00Z", "--json"], in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let journeys = document["journeys"] as! [[String: Any]]
        // The loaded journeys in source order, then the one only the store knows.
        #expect(journeys.map { $0["name"] as? String } == ["onboarding", "new-key-customer", "retired"])
        #expect(journeys.map { $0["loaded"] as? Bool } == [true, true, false])
        let onboarding = journeys[0]
        #expect(onboarding["active"] as? Int == 2 && onboarding["active_on_other_versions"] as? Int == 2)
        let steps = onboarding["steps"] as! [[String: Any]]
        // 2026-09-21T15:00Z is after 1_790_000_000 - 60 and before 1_790_000_000 + 86_400: one waits.
        #expect(steps.map { $0["name"] as? String } == ["thanks", "tips", "review"])
        #expect(steps.map { $0["customers"] as? Int } == [0, 2, 0] && steps.map { $0["waiting"] as? Int } == [0, 1, 0])
        #expect(onboarding["ended"] as? [String: Int] == ["goal": 1, "left: step removed": 1])
        let retired = journeys[2]
        #expect(retired["active"] as? Int == 1 && (retired["steps"] as? [[String: Any]])?.first?["name"] as? String == "hello")
        let text = try await CampaigndProcess.run(["--config", config, "journeys", "--at", "2026-09-21T15:00:00Z"], in: directory)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("step \"tips\": 2 customers, 1 waiting"))
        #expect(text.stdout.contains("ended: goal 1, left: step removed 1"))
    }

    @Test("log --journey [--step] lists that journey's rows with journey and step; --step alone fails cleanly",
          arguments: StoreKind.allCases)
    func logByJourney(on kind: StoreKind) async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try Self.seed(config, in: directory)
        try await CampaigndProcess.move(config, in: directory, to: kind)
        let json = try await CampaigndProcess.run(
            ["--config", config, "log", "--journey", "onboarding", "--step", "thanks", "--json"], in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        let entries = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["entries"] as! [[String: Any]]
        #expect(entries.count == 4)
        #expect(entries.allSatisfy { $0["journey"] as? String == "onboarding" && $0["step"] as? String == "thanks" })
        #expect(entries.allSatisfy { $0["rule"] as? String == "onboarding/thanks" })
        let none = try await CampaigndProcess.run(["--config", config, "log", "--journey", "onboarding", "--step", "review"], in: directory)
        #expect(none.status == 0 && none.stdout == "no rows\n")
        let text = try await CampaigndProcess.run(["--config", config, "log", "--journey", "onboarding"], in: directory)
        #expect(text.stdout.contains("onboarding/thanks →"))
        let bad = try await CampaigndProcess.run(["--config", config, "log", "--step", "thanks"], in: directory)
        #expect(bad.status != 0 && bad.stderr.contains("needs --journey") && !bad.stderr.contains("Stack"))
    }

    @Test("check with a store warns how many customers each journey change affects; exit status unchanged; none without a store")
    func checkCountsJourneyEdits() async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try Self.seed(config, in: directory)
        // The seeded enrolments moved under another version ('h1') than the files'.
        let same = try await CampaigndProcess.run(["--config", config, "check"], in: directory)
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("OK"))
        #expect(same.stderr.contains(
            "warning: 2 customers wait before step 'tips' of journey 'onboarding': they take this version's step, their wait ends as it was set"))
        #expect(same.stderr.contains(
            "warning: 1 customer in journey 'retired', which this version removes: they stay where they are until it comes back"))
        // A version that renames 'tips': its customers leave.
        let edited = directory.appendingPathComponent("edited-rules")
        try FileManager.default.createDirectory(at: edited, withIntermediateDirectories: true)
        for name in ["journeys.rules", "lifecycle.rules"] {
            let text = try String(contentsOf: CampaigndProcess.repository.appendingPathComponent("rules/\(name)"), encoding: .utf8)
            try text.replacingOccurrences(of: "step \"tips\"", with: "step \"hints\"")
                .write(to: edited.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let renamed = try await CampaigndProcess.run(["--config", config, "check", "--rules", edited.path], in: directory)
        #expect(renamed.status == 0, "\(renamed.stderr)")
        #expect(renamed.stderr.contains(
            "warning: 2 customers wait before step 'tips' of journey 'onboarding', which this version removes: they leave at the next tick"))
        #expect(!renamed.stderr.contains("they take this version's step"))
        // Without the store, nothing about journey edits (and no store is created).
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("store.sqlite\(suffix)"))
        }
        let bare = try await CampaigndProcess.run(["--config", config, "check"], in: directory)
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(!bare.stderr.contains("journey"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("store.sqlite").path))
    }

    @Test("check counts journey edits on a PostgreSQL store as on SQLite; a store it cannot reach is one warning, exit status unchanged")
    func checkCountsJourneyEditsOnPostgres() async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try Self.seed(config, in: directory)
        let server = try PostgresServer.shared()
        let url = server.url(database: try server.createDatabase())
        let copy = try await CampaigndProcess.run(["--config", config, "store", "copy", "--to", url], in: directory)
        #expect(copy.status == 0, "\(copy.stderr)")
        let postgres = try PlanOnPostgresTests.config(
            config, store: url, rules: CampaigndProcess.repository.appendingPathComponent("rules").path, in: directory,
            named: "postgres.json")
        let onSQLite = try await CampaigndProcess.run(["--config", config, "check"], in: directory)
        let onPostgres = try await CampaigndProcess.run(["--config", postgres, "check"], in: directory)
        #expect(onPostgres.status == 0 && onPostgres.stdout.contains("OK"), "\(onPostgres.stderr)")
        let warnings = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("campaignd: warning: ") } }
        #expect(warnings(onSQLite.stderr).count == 2)
        #expect(warnings(onPostgres.stderr) == warnings(onSQLite.stderr), "\(onPostgres.stderr)")
        // Nothing listens on the port: one warning, no stack trace, the check itself still passes.
        let unreachable = try PlanOnPostgresTests.config(
            config, store: "postgres://campaignd@127.0.0.1:1/shop", rules: CampaigndProcess.repository.appendingPathComponent("rules").path,
            in: directory, named: "unreachable.json")
        let offline = try await CampaigndProcess.run(["--config", unreachable, "check"], in: directory)
        #expect(offline.status == 0 && offline.stdout.contains("OK"), "\(offline.stderr)")
        #expect(warnings(offline.stderr).count == 1)
        #expect(offline.stderr.contains("warning: journey edits not counted: ") && !offline.stderr.contains("Stack"))
    }
}
