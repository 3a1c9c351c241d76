import Foundation
import Testing
import TestSupport

/// The demo's data is generated for the day it runs (`generate --demo --until today` in
/// scripts/demo), so every rule and journey of `rules/` must match someone on any day, at any
/// instant of it, after the demo's history tick two days before (`run --once --at`) — on both
/// stores.
@Suite("the demo's data, generated for any day")
struct DemoDataTests {
    /// Days that have broken calendar code: an ordinary one, 29 February of a leap year, 28
    /// February of a common year (a 29 February birthday falls on it), both days on which
    /// Helsinki changes its clocks, a year end, and one ten years on.
    static let days = ["2026-12-02", "2028-02-29", "2027-02-28", "2027-03-28", "2026-10-25", "2027-12-31", "2036-12-02"]

    /// Instants across the UTC day the data is generated for: its first second, both sides of
    /// the Helsinki clock change (01:00 UTC on the DST days), noon, after Helsinki has turned the
    /// date (21:00 or 22:00 UTC), and its last second.
    static let times = ["00:00:00Z", "00:59:59Z", "01:00:00Z", "12:00:00Z", "21:30:00Z", "22:30:00Z", "23:59:59Z"]

    @Test(
        "every rule and journey of rules/ matches someone at every instant of the day the data is made for",
        arguments: days, StoreKind.allCases)
    func everyRuleMatches(day: String, on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace()
        let store = try CampaigndProcess.store(kind)
        let repository = CampaigndProcess.repository
        let demo = repository.appendingPathComponent("examples/demo")
        try String(contentsOf: demo.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"../../var/demo/campaignd.sqlite\"", with: "\"\(store)\"")
            .replacingOccurrences(of: "\"../../var/demo/spool/", with: "\"spool/")
            .replacingOccurrences(of: "\"../../rules\"", with: "\"\(repository.path)/rules\"")
            .replacingOccurrences(of: "\"../../templates\"", with: "\"\(repository.path)/templates\"")
            .replacingOccurrences(of: "\"secrets/", with: "\"\(demo.path)/secrets/")
            .write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: directory) }

        // The same options as scripts/demo, with the day fixed instead of today.
        let data = directory.appendingPathComponent("data")
        let generated = try await CampaigndProcess.run(["generate", "--customers", "300", "--purchases", "3000", "--seed", "2026",
                                                  "--until", day, "--demo", "--out", data.path])
        try #require(generated.status == 0, "\(generated.stderr)")
        for kind in ["customers", "purchases", "consents", "feedback", "events"] {
            let result = try await CampaigndProcess.run(["--config", config, "import", kind, data.appendingPathComponent("\(kind).csv").path])
            try #require(result.status == 0, "\(result.stderr)")
        }

        // As scripts/demo: a tick two days before, at 12:00 UTC, with its sends delivered then:
        // the baseline of `entered key` and `left regular`, and the cart reminder that
        // `second-reminder` follows up. The transitions are then those between this tick and
        // each instant below (plan's rehearsed tick for journeys, the history for rules).
        // Before it, the store has no membership history: a transition cannot fire (the first
        // evaluation of a segment is a baseline), so nobody enters the transition journey.
        let before = try await CampaigndProcess.run(["--config", config, "plan", "--at", "\(day)T12:00:00Z", "--json"], in: directory)
        try #require(before.status == 0, "\(before.stderr)")
        let beforeDocument = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])
        let beforeJourneys = try #require(beforeDocument["journeys"] as? [[String: Any]])
        let newKey = try #require(beforeJourneys.first { $0["journey"] as? String == "new-key-customer" })
        #expect(newKey["entering"] as? Int == 0 && newKey["entering_holdout"] as? Int == 0, "a transition fired without history")

        let history = try #require(ISO8601DateFormatter().date(from: "\(day)T12:00:00Z")).addingTimeInterval(-2 * 86400)
        let historyTick = try await CampaigndProcess.run(
            ["--config", config, "run", "--once", "--at", ISO8601DateFormatter().string(from: history)], in: directory)
        try #require(historyTick.status == 0, "\(historyTick.stderr)")

        let ruleFiles = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("rules").path)
            .filter { $0.hasSuffix(".rules") }
        let lines = try ruleFiles.flatMap { file in
            try String(contentsOf: repository.appendingPathComponent("rules/\(file)"), encoding: .utf8).split(separator: "\n")
        }
        func names(_ keyword: String) -> [String] {
            lines.filter { $0.hasPrefix("\(keyword) \"") }.map { String($0.split(separator: "\"")[1]) }
        }
        let declared = names("rule"), declaredJourneys = names("journey")
        try #require(!declared.isEmpty, "rules/ declares no rule")
        try #require(!declaredJourneys.isEmpty, "rules/ declares no journey")
        for time in Self.times {
            let instant = "\(day)T\(time)"
            let plan = try await CampaigndProcess.run(["--config", config, "plan", "--at", instant, "--json"], in: directory)
            try #require(plan.status == 0, "\(plan.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
            let rules = try #require(document["rules"] as? [[String: Any]])
            let matched = Dictionary(uniqueKeysWithValues: rules.map { ($0["rule"] as? String ?? "", $0["matched"] as? Int ?? 0) })
            #expect(Set(matched.keys) == Set(declared), "plan at \(instant) lists other rules than rules/ declares")
            for rule in declared {
                #expect((matched[rule] ?? 0) > 0, "at \(instant) nobody matches \"\(rule)\"")
            }
            // The detractor alert is a service webhook (issue 16): it needs no webhook consent, so
            // it goes to the demo's detractors and none is skipped for lack of consent.
            let alert = try #require(rules.first { $0["rule"] as? String == "detractor-alert" })
            #expect((alert["would_send"] as? Int ?? 0) > 0, "at \(instant) the detractor alert goes to nobody")
            #expect((alert["skipped"] as? [String: Int])?["no_consent"] == 0, "at \(instant): \(alert)")
            // A journey matches when a tick at the instant would enrol someone (or put them in
            // its holdout): the plan rehearses that tick.
            let journeys = try #require(document["journeys"] as? [[String: Any]], "plan at \(instant) lists no journeys")
            let entering = Dictionary(uniqueKeysWithValues: journeys.map {
                ($0["journey"] as? String ?? "", ($0["entering"] as? Int ?? 0) + ($0["entering_holdout"] as? Int ?? 0))
            })
            #expect(Set(entering.keys) == Set(declaredJourneys), "plan at \(instant) lists other journeys than rules/ declares")
            for journey in declaredJourneys {
                #expect((entering[journey] ?? 0) > 0, "at \(instant) nobody enters \"\(journey)\"")
            }
        }
    }
}
