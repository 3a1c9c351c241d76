@testable import CustomerStore
@testable import Engine
import Evaluation
import Foundation
import GRDB
import PostgresStore
import RuleLanguage
import Testing
import TestSupport

/// A/B variants through the engine on a manual clock: the split at queueing, a winner decided on
/// planted purchases, sends after it, and variants that retries and resends never change. The
/// scenarios run on both stores (`StoreKind`); the winner check's index use is SQLite's own.
@Suite("variants: split, winner, resends")
struct VariantScenarioTests {
    static let rules = """
        rule "winback" {
          when orders >= 1 and consent email
          send email "winback-a" or "winback-b"
          winner after 14 days at 95%
          limit once per 60 days
        }
        """

    /// The variant of each queued row, by the customer's external id, on the store the engines run on.
    func variants(_ fx: EngineFixture) throws -> [String: String] {
        var result: [String: String] = [:]
        for line in try fx.values("SELECT c.external_id || ' ' || s.variant || ' ' || s.target FROM send s JOIN customer c ON c.id = s.customer_id") {
            let fields = line.split(separator: " ").map(String.init)
            #expect(fields.count == 3 && fields[1] == fields[2], "\(line)")
            result[fields[0]] = fields[1]
        }
        return result
    }

    /// Customers `C<first>`…`C<last>` with email consent and one old purchase, on both stores.
    func addCustomers(_ range: ClosedRange<Int>, to fx: EngineFixture) throws {
        let ids = range.map { "C\($0)" }
        try fx.addCustomers(ids.map { StoreFixture.Customer($0, email: "\($0.lowercased())@example.fi") })
        try fx.consents(ids.map { StoreFixture.Consent($0, "email", at: 0) })
        try fx.purchases(ids.map {
            StoreFixture.Purchase($0, order: "old-\($0)", at: EngineFixture.time("2026-01-01T00:00:00Z"), amountMinor: 1000)
        })
    }

    @Test("14 % against 10 % over 4,000 customers: the winner is recorded once windows end, new sends go to it, it never flips",
          arguments: StoreKind.allCases)
    func plantedWinner(on kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(4_000)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let t0 = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: t0).queued == 4_000)
        let split = try variants(fx)
        let a = split.filter { $0.value == "winback-a" }.keys.sorted()
        let b = split.filter { $0.value == "winback-b" }.keys.sorted()
        // A fair coin over 4,000: 2,000 ± 32 (one standard deviation); 150 is over 4.5 of them.
        #expect(abs(a.count - 2_000) < 150 && a.count + b.count == 4_000, "\(a.count) against \(b.count)")

        // Plant purchases 3 days after the sends: 14 in every 100 of "a", 10 in every 100 of "b".
        let buyers = a.enumerated().filter { $0.offset % 100 < 14 }.map(\.element)
            + b.enumerated().filter { $0.offset % 100 < 10 }.map(\.element)
        try fx.purchases(buyers.map { StoreFixture.Purchase($0, order: "w-\($0)", at: t0 + 3 * 86_400, amountMinor: 2500) })

        // Before the 14-day windows end: no decision.
        _ = try await engine.tick(at: t0 + 13 * 86_400)
        #expect(try await fx.variantWinners().isEmpty)

        let decidedAt = t0 + 14 * 86_400 + 300
        _ = try await engine.tick(at: decidedAt)
        let winner = try #require(try await fx.variantWinners().first)
        #expect(winner.rule == "winback" && winner.variant == "winback-a" && winner.decidedAt == decidedAt)
        let figures = try JSONSerialization.jsonObject(with: Data(winner.figures.utf8)) as! [String: Any]
        let counts = figures["variants"] as! [[String: Any]]
        #expect(counts.map { $0["recipients"] as! Int } == [a.count, b.count])
        #expect(counts[0]["converted"] as! Int == buyers.filter { split[$0] == "winback-a" }.count)
        #expect(counts[1]["converted"] as! Int == buyers.filter { split[$0] == "winback-b" }.count)

        // From now on every new send goes to the winner.
        try addCustomers(4_001...4_200, to: fx)
        #expect(try await engine.tick(at: decidedAt + 300).queued == 200)
        let after = try variants(fx)
        #expect((4_001...4_200).allSatisfy { after["C\($0)"] == "winback-a" })
        // Earlier rows keep the variant they were queued with.
        #expect(b.allSatisfy { after[$0] == "winback-b" })

        // "b" catches up and overtakes: the recorded winner stays.
        try fx.purchases(b.map { StoreFixture.Purchase($0, order: "late-\($0)", at: t0 + 4 * 86_400, amountMinor: 2500) })
        _ = try await engine.tick(at: decidedAt + 600)
        #expect(try await fx.variantWinners().map(\.variant) == ["winback-a"])

        // plan and explain say so.
        var settings = engine.configuration.settings(at: decidedAt + 900)
        settings.winners = ["winback": "winback-a"]
        let explainer = Explainer(ruleSet: engine.configuration.runtime.ruleSet, settings: settings, dialect: kind == .postgres ? .postgres : .sqlite)
        let explanation = try #require(try await fx.explain(explainer, externalID: b[0]))
        #expect(explanation.rules[0].variant == "winback-a" && explanation.rules[0].variantIsWinner)
        #expect(explanation.text(businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!)
            .contains("variant \"winback-a\" (the recorded winner: every new send goes to it)"))

        // An operator's reset: the split applies again from the next tick.
        #expect(try await fx.resetVariantWinner(rule: "winback")?.variant == "winback-a")
        #expect(try await fx.variantWinners().isEmpty)
    }

    @Test("the winner check reads nothing more until enough sends are old enough, then what the report counts as complete")
    func winnerCheckReadsOnlyCompleteSends() async throws {
        let fx = try EngineFixture()
        try fx.customers(300)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        let t0 = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: t0).queued == 300)
        let fixture = try StoreFixture(store: fx.store)
        try fixture.purchases((1...300).filter { $0 % 7 == 0 }.map {
            StoreFixture.Purchase("C\($0)", order: "w-\($0)", at: t0 + 86_400, amountMinor: Int64(1500 + $0))
        })
        let window: Int64 = 14 * 86_400
        let log = fx.store.sendLog
        // 300 sends, but none old enough; and before that, fewer than asked for.
        #expect(try log.completeVariantExposure(rule: "winback", now: t0 + window - 1, windowSeconds: window, minimum: 200) == nil)
        #expect(try log.completeVariantExposure(rule: "winback", now: t0 + window, windowSeconds: window, minimum: 301) == nil)
        let complete = try #require(try log.completeVariantExposure(rule: "winback", now: t0 + window, windowSeconds: window, minimum: 200))
        let report = try fx.store.reportRows(ReportRows.Request(since: nil, now: t0 + window, windowSeconds: window, rule: "winback")).variants
        #expect(complete.count == 2 && complete.map(\.customers).reduce(0, +) == 300)
        #expect(complete == report.filter(\.complete))
        // Later sends are left out and change nothing complete.
        try addCustomers(301...320, to: fx)
        #expect(try await engine.tick(at: t0 + window - 300).queued == 20)
        #expect(try log.completeVariantExposure(rule: "winback", now: t0 + window, windowSeconds: window, minimum: 200) == complete)
        let plan = try await fx.store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SendLog.variantSendsReadySQL, arguments: ["winback", t0, 200])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING COVERING INDEX send_variant_by_rule") || $0.contains("USING INDEX send_variant_by_rule") }, "\(plan)")
    }

    /// The tallies `plan` counts with `settings`: on SQLite in two slices, on PostgreSQL on two
    /// connections sharing one snapshot.
    func tallies(_ fx: EngineFixture, _ ruleSet: RuleSet, _ settings: EvaluationSettings) async throws -> [RuleTally] {
        guard let copy = fx.postgres.copy else {
            return try ParallelEvaluator(evaluator: Evaluator(ruleSet: ruleSet, settings: settings), slices: 2).evaluate(in: fx.store)
        }
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: .postgres)
        return try await copy.store.inConsistentSnapshots(count: 2, for: "plan") { try await evaluator.evaluate(readingConcurrently: $0) }
    }

    @Test("plan counts the split per variant, and every would-be send under a recorded winner", arguments: StoreKind.allCases)
    func planSplit(on kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(1_000)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let ruleSet = engine.configuration.runtime.ruleSet
        var settings = engine.configuration.settings(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        let split = try await tallies(fx, ruleSet, settings)
        let plan = PlanReport(at: settings.now, timeZone: settings.businessTimeZone, tallies: split, ruleSet: ruleSet)
        let counts = try #require(plan.rules.first?.variants)
        #expect(counts.map(\.variant) == ["winback-a", "winback-b"] && counts.map(\.weight) == [50, 50])
        #expect(counts.map(\.wouldSend).reduce(0, +) == 1_000)
        // A fair coin over 1,000: 500 ± 16 (one standard deviation).
        #expect(counts.allSatisfy { abs($0.wouldSend - 500) < 80 }, "\(counts)")
        #expect(plan.text(localTime: "").contains("winback: \"winback-a\" \(counts[0].wouldSend) (50%), \"winback-b\" \(counts[1].wouldSend) (50%)"))
        // The split is the tick's: the same customers get the same variants.
        _ = try await engine.tick(at: settings.now)
        let queued = try variants(fx)
        #expect(queued.values.filter { $0 == "winback-a" }.count == counts[0].wouldSend)

        settings.winners = ["winback": "winback-b"]
        let won = try await tallies(fx, ruleSet, settings)
        let wonPlan = PlanReport(at: settings.now, timeZone: settings.businessTimeZone, tallies: won, ruleSet: ruleSet, winners: settings.winners)
        #expect(wonPlan.rules[0].winner == "winback-b")
        #expect(try wonPlan.json().contains("\"winner\" : \"winback-b\""))
    }

    @Test("a retry and a resend after a crash keep the variant, even after a winner is recorded", arguments: StoreKind.allCases)
    func resendKeepsVariant(on kind: StoreKind) async throws {
        let fx = try EngineFixture(emailScript: Array(repeating: .retry(reason: "451 try later", notBefore: nil), count: 300))
        defer { fx.closeLater() }
        try fx.customers(300)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let t0 = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: t0).queued == 300)
        let before = try variants(fx)
        #expect(Set(before.values) == ["winback-a", "winback-b"])
        #expect(try await engine.dispatchDue().retried == 300)

        // A winner arrives while the sends wait for their retry.
        try fx.recordVariantWinner(VariantWinner(rule: "winback", variant: "winback-b", decidedAt: t0 + 60, figures: "{}"))
        #expect(try await engine.tick(at: t0 + 300).queued == 0)
        fx.clock.advance(3_600)
        // A crash mid-delivery: rows left in flight by a dispatcher that is gone (its lease run
        // out, which PostgreSQL's recovery asks for) are resent with their send id.
        try fx.execute("UPDATE send SET status = 'in_flight', owner = 'crashed', lease_until = 0 WHERE id % 2 = 0")
        #expect(try await engine.dispatcher.recoverInFlight() == 150)
        let summary = try await engine.dispatchDue()
        #expect(summary.sent == 300)
        #expect(try variants(fx) == before)
        let delivered = fx.email.deliveries.suffix(300)
        #expect(delivered.allSatisfy { before[$0.message.recipient.externalID] == $0.message.variant })
        #expect(delivered.allSatisfy { $0.message.variant == $0.message.target })
        #expect(delivered.contains { $0.message.variant == "winback-a" })
    }
}
