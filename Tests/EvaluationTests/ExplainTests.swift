@testable import CustomerStore
import Evaluation
import Foundation
import RuleLanguage
import Testing
import TestSupport

@Suite("explain")
struct ExplainTests {
    static let rules = """
        segment regular = orders in last 365 days >= 2
        rule "winback" {
          when days since last purchase >= 90 and regular and consent email
          send email "winback"
          limit once per 180 days
        }
        rule "vip" {
          when spent >= 1000 or tagged "vip"
          send letter "thanks"
          limit once
        }
        """

    func explain(_ fx: EvaluationFixture, _ customer: String, at: String) async throws -> Explanation {
        try #require(try await fx.explain(customer, fx.ruleSet(Self.rules), settings: fx.settings(at: at)))
    }

    @Test("each condition with the customer's values, and the verdict with its reason", arguments: StoreKind.allCases)
    func conditionsAndVerdicts(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let c = try fx.customer("C1", street: nil)
        try fx.purchase(c, at: "2026-05-01T12:00:00Z", amount: 1250)
        try fx.purchase(c, at: "2026-08-15T12:00:00Z", amount: 2500)
        let explanation = try await explain(fx, "C1", at: "2026-11-20T12:00:00Z")
        let winback = try #require(explanation.rules.first { $0.rule.name == "winback" })
        #expect(winback.lines == [
            ExplanationLine(depth: 0, holds: true, text: "days since last purchase >= 90", values: "days since last purchase = 97"),
            ExplanationLine(depth: 0, holds: true, text: "regular (segment)", values: ""),
            ExplanationLine(depth: 1, holds: true, text: "orders in last 365 days >= 2", values: "orders in last 365 days = 2"),
            ExplanationLine(depth: 0, holds: true, text: "consent email", values: "email consent granted = yes, suppressed = no"),
        ])
        #expect(winback.verdict == .send && winback.reason == "would send now")
        let vip = try #require(explanation.rules.first { $0.rule.name == "vip" })
        #expect(vip.matched == false)
        #expect(vip.lines.map(\.holds) == [false, false, false])
        #expect(vip.lines[1].values == "spent = 37.50 EUR")
        #expect(vip.outcome == "no match")
        let text = explanation.text(businessTimeZone: fx.businessTimeZone)
        #expect(text.contains("✓ days since last purchase >= 90   [days since last purchase = 97]"))
        #expect(text.contains("→ send: would send now"))
        #expect(text.contains("✗ spent >= 1000   [spent = 37.50 EUR]"))
    }

    @Test("skips say why: a limit names the earlier send, a letter names the missing address", arguments: StoreKind.allCases)
    func skipReasons(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let c = try fx.customer("C2", street: nil)
        try fx.purchase(c, at: "2026-05-01T12:00:00Z", amount: 150_000)
        try fx.purchase(c, at: "2026-06-01T12:00:00Z", amount: 100)
        try fx.consent(c, .letter, granted: true, at: "2026-01-01")
        try fx.sent("winback", to: c, at: "2026-10-01T09:00:00Z")
        let explanation = try await explain(fx, "C2", at: "2026-11-20T12:00:00Z")
        let winback = try #require(explanation.rules.first { $0.rule.name == "winback" })
        #expect(winback.verdict == .skip(.limit))
        #expect(winback.reason == "already handled at 2026-10-01 12:00 (Europe/Helsinki) (limit once per 180 days)")
        let vip = try #require(explanation.rules.first { $0.rule.name == "vip" })
        #expect(vip.verdict == .skip(.missingAddress) && vip.reason == "incomplete postal address")
        #expect(try await fx.explain("nobody", fx.ruleSet(Self.rules), settings: fx.settings(at: "2026-11-20")) == nil)
    }
}
