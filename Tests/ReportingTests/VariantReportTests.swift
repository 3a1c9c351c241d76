@testable import CustomerStore
import Foundation
import GRDB
import Reporting
import Testing
import TestSupport

/// `report` per rule and variant: each variant's figures, against the holdout and each other,
/// and the winner, in text, JSON and HTML.
@Suite("report per variant")
struct VariantReportTests {
    static let start = ReportFixture.monday
    static let now = start + 30 * ReportFixture.day

    /// 200 recipients of "a" (60 convert), 200 of "b" (20 convert), 200 held out (20 convert).
    func fixture() throws -> ReportFixture {
        let fx = try ReportFixture()
        let fixture = try StoreFixture(store: fx.store)
        var sends: [SendDecision] = []
        var buyers: [Int64] = []
        for (group, converting) in [("a", 60), ("b", 20), ("holdout", 20)] {
            for index in 0..<200 {
                let id = try fx.customer("\(group)-\(index)")
                var send = StoreFixture.send(
                    "ab", customer: id, at: Self.start, status: group == "holdout" ? .holdout : .sent,
                    target: group == "holdout" ? "a" : group)
                send.variant = group == "holdout" ? nil : group
                sends.append(send)
                if index < converting { buyers.append(id) }
            }
        }
        try fixture.sends(sends)
        for id in buyers { try fx.purchase(id, at: Self.start + 2 * ReportFixture.day, amount: 4000) }
        return fx
    }

    @Test("each variant against the holdout and against the other, with a verdict per comparison")
    func figures() throws {
        let fx = try fixture()
        let rule = try fx.rule("ab", now: Self.now)
        #expect(rule.recipients.customers == 400 && rule.holdout.customers == 200)
        #expect(rule.variants.map(\.variant) == ["a", "b"])
        #expect(rule.variants.map(\.recipients.customers) == [200, 200])
        #expect(rule.variants.map(\.recipients.converted) == [60, 20])
        #expect(rule.variants.map(\.recipients.revenuePerCustomer) == [1200, 400])
        guard case .significant(let lift) = LiftVerdict(rule.conversion(of: rule.variants[0])) else {
            Issue.record("\"a\" against the holdout: \(LiftVerdict(rule.conversion(of: rule.variants[0])).text)")
            return
        }
        #expect(abs(lift - 0.2) < 1e-9)
        #expect(LiftVerdict(rule.conversion(of: rule.variants[1])) == .noMeasurableEffect)
        let pair = try #require(rule.variantComparisons.first)
        #expect(rule.variantComparisons.count == 1 && pair.first.variant == "a" && pair.second.variant == "b")
        #expect(pair.verdict == "\"a\" converts better: +20.0 points, significant")

        let text = try fx.report(now: Self.now).text { "\($0)" }
        #expect(text.contains("\"a\" against \"b\": +20.0 points"))
        #expect(text.contains("\"b\" against the holdout: +0.0 points"))
        #expect(!text.contains("winner"))
    }

    @Test("a recorded winner is shown in text, JSON and HTML")
    func winner() throws {
        let fx = try fixture()
        try fx.store.recordVariantWinner(VariantWinner(rule: "ab", variant: "a", decidedAt: Self.now - 3600, figures: "{\"days\":14}"))
        // Never replaced by a second decision.
        #expect(try fx.store.recordVariantWinner(VariantWinner(rule: "ab", variant: "b", decidedAt: Self.now, figures: "{}")) == false)
        let report = try fx.report(now: Self.now)
        #expect(report.rules[0].winner?.variant == "a")
        #expect(report.text { "t\($0)" }.contains("winner   \"a\", decided t\(Self.now - 3600): every new send goes to it"))
        let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
        let variants = ((json["rules"] as! [[String: Any]])[0]["variants"]) as! [String: Any]
        #expect((variants["groups"] as! [[String: Any]]).map { $0["variant"] as! String } == ["a", "b"])
        #expect((variants["comparisons"] as! [[String: Any]]).count == 1)
        #expect((variants["winner"] as! [String: Any])["variant"] as? String == "a")
        let html = report.html { "\($0)" }
        #expect(html.contains("<table class=\"variants\">") && html.contains("<th>a (winner)</th><th>b</th><th>holdout</th>"))
    }
}
