@testable import CustomerStore
import Engine
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// Rules and journeys take the contact-pressure cap in one priority order (docs/rules.md):
/// higher `priority` first, a rule before a journey of equal priority.
@Suite("journeys and rules share one priority order under the contact-pressure cap")
struct JourneyPriorityTests {
    static func t(_ text: String) -> Int64 { EngineFixture.time(text) }

    /// A rule every buyer matches and a one-step journey for recent buyers, with these priorities.
    static func rules(rule: Int, journey: Int) -> String {
        """
        rule "welcome" {
          when orders >= 1
          send email "welcome"
          limit once
          priority \(rule)
        }

        journey "j" {
          enter when purchase in last 2 days
          priority \(journey)
          step "one" { send email "one" }
        }
        """
    }

    /// A and B bought (A in the journey's entry window, B long before), cap 1 message in 3 days;
    /// one tick at 09:00 and its dispatch.
    static func firstTick(rule: Int, journey: Int, on kind: StoreKind) async throws -> (EngineFixture, Engine, Outbox.TickSummary) {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        try fx.journeyCustomers(["A", "B"])
        try fx.purchase("A", at: t("2026-11-02T08:30:00Z"))
        try fx.purchase("B", at: t("2026-10-01T08:30:00Z"))
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(rules(rule: rule, journey: journey)), cap: 1, capDays: 3, on: kind)
        let summary = try await engine.tick(at: t("2026-11-02T09:00:00Z"))
        _ = try await engine.dispatchDue()
        return (fx, engine, summary)
    }

    /// (customer, rule, status, reason) of every send-log row, by customer then rule, on the
    /// store the engines run on.
    static func sends(_ fx: EngineFixture) async throws -> [String] {
        try await fx.tableRows("SELECT c.external_id, s.rule, s.status, s.reason FROM send s JOIN customer c ON c.id = s.customer_id ORDER BY 1, 2")
            .map { row in
                let status = row[2].string ?? ""
                return "\(row[0].string ?? "") \(row[1].string ?? "") \(status)"
                    + (status == "sent" ? "" : " (\(row[3].string ?? "-"))")
            }
    }

    @Test("a journey step of higher priority takes the cap before a rule in the same tick; the rule's send becomes capped", arguments: StoreKind.allCases)
    func journeyAboveRule(on kind: StoreKind) async throws {
        let (fx, engine, summary) = try await Self.firstTick(rule: 0, journey: 10, on: kind)
        defer { fx.closeLater() }
        // A: the step is sent, the rule's send of the same tick is capped; B (no journey) gets the rule.
        #expect(try await Self.sends(fx) == [
            "A j/one sent",
            "A welcome skipped (capped)",
            "B welcome sent",
        ])
        #expect(summary.journeys.first?.displaced == [JourneyTally.Displaced(rule: "welcome", held: false)])
        // The tick's counts say what the send log holds: one rule send, one capped.
        #expect(summary.recordedByRule["welcome"] == [.queued: 1, .skipped: 1])
        #expect(summary.recorded[.queued] == 1 && summary.recorded[.skipped] == 1)
        let welcome = try #require(summary.tallies.first { $0.rule == "welcome" })
        #expect(welcome.wouldSend == 1 && welcome.skipped[.capped] == 1 && welcome.matched == 2)
        // With room again (3 days after the step), the rule's capped row is queued and sent.
        try await fx.simulate(engine, from: Self.t("2026-11-02T10:00:00Z"), count: 4 * 24)
        #expect(try await Self.sends(fx) == ["A j/one sent", "A welcome sent", "B welcome sent"])
        #expect(
            try fx.count("SELECT decided_at FROM send WHERE rule = 'welcome' AND customer_id = (SELECT id FROM customer WHERE external_id = 'A')")
                == Int(Self.t("2026-11-05T09:00:00Z")))
    }

    @Test("a rule of higher priority takes the cap before the journey: the step is held", arguments: StoreKind.allCases)
    func ruleAboveJourney(on kind: StoreKind) async throws {
        let (fx, _, summary) = try await Self.firstTick(rule: 20, journey: 10, on: kind)
        defer { fx.closeLater() }
        #expect(try await Self.sends(fx) == ["A j/one skipped (capped)", "A welcome sent", "B welcome sent"])
        #expect(summary.journeys.first?.displaced == [])
        #expect(summary.journeys.first?.steps.first?.capped == 1)
    }

    @Test("at equal priority the rule takes the cap first", arguments: StoreKind.allCases)
    func equalPriorityRuleFirst(on kind: StoreKind) async throws {
        let (fx, _, summary) = try await Self.firstTick(rule: 5, journey: 5, on: kind)
        defer { fx.closeLater() }
        #expect(try await Self.sends(fx) == ["A j/one skipped (capped)", "A welcome sent", "B welcome sent"])
        #expect(summary.recordedByRule["welcome"] == [.queued: 2])
    }

    @Test("a journey below every rule never displaces; with room for both, nothing is displaced", arguments: StoreKind.allCases)
    func roomForBoth(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A"])
        try fx.purchase("A", at: Self.t("2026-11-02T08:30:00Z"))
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(Self.rules(rule: 0, journey: 10)), cap: 2, capDays: 3, on: kind)
        let summary = try await engine.tick(at: Self.t("2026-11-02T09:00:00Z"))
        _ = try await engine.dispatchDue()
        #expect(try await Self.sends(fx) == ["A j/one sent", "A welcome sent"])
        #expect(summary.journeys.first?.displaced == [])
    }
}
