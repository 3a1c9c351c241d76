import CustomerStore
import Foundation
import Reporting
import Testing
import TestSupport

/// `campaignd report` as a person runs it, over a store with planted experiments.
@Suite("campaignd report")
struct ReportCommandTests {
    /// A workspace whose store holds a planted effect (12 % against 8 %) and a tiny rule, on
    /// `kind` (PostgreSQL: the SQLite store moved with `store copy`).
    func workspace(on kind: StoreKind) async throws -> (directory: URL, config: String) {
        let (directory, config) = try CampaigndProcess.workspace()
        let store = try CustomerStore(path: directory.appendingPathComponent("store.sqlite").path)
        let start: Int64 = 1_772_409_600  // 2026-03-02T00:00:00Z
        try SyntheticExperiment(
            rule: "winback", recipients: 3000, holdout: 1500, recipientRate: 0.12, holdoutRate: 0.08,
            start: start, days: 28, windowDays: 7, seed: 1
        ).write(to: store)
        try SyntheticExperiment(
            rule: "vip <b>", recipients: 50, holdout: 5, recipientRate: 0.3, holdoutRate: 0.2,
            start: start, days: 28, windowDays: 7, seed: 2
        ).write(to: store)
        try await CampaigndProcess.move(config, in: directory, to: kind)
        return (directory, config)
    }

    @Test("--json: one document with the documented fields; --html: a self-contained page", arguments: StoreKind.allCases)
    func jsonAndHTML(on kind: StoreKind) async throws {
        let (directory, config) = try await workspace(on: kind)
        let page = directory.appendingPathComponent("report.html").path
        let result = try await CampaigndProcess.run(["--config", config, "report", "--json", "--at", "2026-06-01T00:00:00Z", "--html", page])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["window_days"] as? Int == 7)
        #expect(document["currency"] as? String == "EUR")
        #expect(document["generated_at"] as? String == "2026-06-01T00:00:00Z")
        let rules = try #require(document["rules"] as? [[String: Any]])
        #expect(rules.map { $0["rule"] as? String } == ["vip <b>", "winback"])
        let winback = rules[1]
        let recipients = try #require(winback["recipients"] as? [String: Any])
        #expect(recipients["customers"] as? Int == 3000)
        #expect(recipients["delivered"] as? Int == 3000)
        for key in ["converted", "conversion_rate", "orders", "revenue_minor", "revenue_per_customer_minor"] {
            #expect(recipients[key] != nil, "recipients.\(key)")
        }
        #expect((winback["holdout"] as? [String: Any])?["customers"] as? Int == 1500)
        #expect(winback["pending"] as? Int == 0)
        let lift = try #require(winback["absolute_lift"] as? [String: Double])
        #expect(try #require(lift["low"]) <= 0.04 && 0.04 <= (try #require(lift["high"])), "\(lift)")
        for key in ["relative_lift", "z", "p_value", "revenue_per_customer_difference_minor", "weeks"] {
            #expect(winback[key] != nil, "\(key)")
        }
        #expect(winback["verdict"] as? String == "significant")
        #expect((winback["verdict_text"] as? String)?.hasSuffix(" points, significant") == true)
        #expect(rules[0]["verdict"] as? String == "not_enough_data")
        #expect(rules[0]["verdict_reason"] as? String == "the recipients group has 50 customers, at least 100 are needed")
        let weeks = try #require(winback["weeks"] as? [[String: Any]])
        #expect(weeks.first?["start"] as? String == "2026-03-02")

        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http:") && !html.contains("https:") && !html.contains("<script") && !html.contains("<link"))
        #expect(html.contains("vip &lt;b&gt;"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
    }

    @Test("the text report names each rule, its groups, the lift and the verdict", arguments: StoreKind.allCases)
    func text(on kind: StoreKind) async throws {
        let (_, config) = try await workspace(on: kind)
        let result = try await CampaigndProcess.run(["--config", config, "report", "--rule", "winback", "--at", "2026-06-01"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\nwinback\n"))
        #expect(!result.stdout.contains("vip"))
        #expect(result.stdout.contains("  customers                         3000            1500\n"))
        #expect(result.stdout.contains("  verdict  +"))
        #expect(result.stdout.contains(" points, significant\n"))
    }

    @Test("an unknown rule is one line with a suggestion", arguments: StoreKind.allCases)
    func unknownRule(on kind: StoreKind) async throws {
        let (_, config) = try await workspace(on: kind)
        let result = try await CampaigndProcess.run(["--config", config, "report", "--rule", "winbak"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            campaignd: no rule named "winbak" in the send log
            campaignd: hint: did you mean "winback"?

            """)
    }
}
