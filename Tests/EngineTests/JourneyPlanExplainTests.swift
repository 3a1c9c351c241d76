@testable import CustomerStore
@testable import Engine
import Evaluation
import Foundation
import GRDB
import PostgresStore
import RuleLanguage
import Testing
import TestSupport

/// What `plan` and `explain` show for journeys: a rehearsed tick (rolled back) and one
/// customer's enrolments and conditions; on both stores (`StoreKind`).
@Suite("journeys in plan and explain")
struct JourneyPlanExplainTests {
    static func t(_ text: String) -> Int64 { EngineFixture.time(text) }

    /// A tick of `ruleSet` as `plan` rehearses it (`rehearse`, rolled back) or as it runs, on the
    /// store the fixture's engines run on.
    static func tick(_ fx: EngineFixture, _ ruleSet: RuleSet, _ settings: EvaluationSettings, rehearse: Bool) async throws -> Outbox.TickSummary {
        if let copy = fx.postgres.copy {
            let outbox = PostgresOutbox(store: copy.store, clock: fx.clock, logger: fx.logger)
            return try #require(try await outbox.tick(ruleSet: ruleSet, settings: settings, rehearse: rehearse))
        }
        return try Outbox(store: fx.store, clock: fx.clock, logger: fx.logger).tick(ruleSet: ruleSet, settings: settings, slices: 2, rehearse: rehearse)
    }

    /// `explainer`'s journey explanations of a customer, on the store the fixture's engines run on.
    static func explainJourneys(_ fx: EngineFixture, _ explainer: Explainer, _ externalID: String) async throws -> [JourneyExplanation]? {
        guard let copy = fx.postgres.copy else { return try explainer.explainJourneys(externalID: externalID, in: fx.store) }
        return try await copy.store.inSnapshot(for: "test") { snapshot in
            let enrolments = try await snapshot.enrolments(ofCustomer: externalID)
            return try await explainer.explainJourneys(externalID: externalID, enrolments: enrolments, reading: snapshot)
        }
    }

    @Test("a rehearsed tick writes nothing and tallies exactly what the real tick then does", arguments: StoreKind.allCases)
    func rehearsalMatchesTick(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        try fx.journeyCustomers(["A", "B", "C", "D"])
        for id in ["A", "B", "C"] { try fx.purchase(id, at: Self.t("2026-11-02T08:30:00Z")) }
        // D has no consent: enters (the entry does not ask for it) and leaves at the first step.
        try StoreFixture(store: fx.store).consents([StoreFixture.Consent("D", "email", granted: false, at: Self.t("2026-11-01T00:00:00Z"))])
        try fx.purchase("D", at: Self.t("2026-11-02T08:30:00Z"))
        let ruleSet = try fx.ruleSet(JourneyScenarioTests.onboarding(entry: "orders = 1 and purchase in last 2 days"))
        let (engine, _) = try await fx.engine(ruleSet: ruleSet, on: kind)
        defer { fx.closeLater() }
        let settings = engine.configuration.settings(at: Self.t("2026-11-02T09:00:00Z"))
        let rehearsal = try await Self.tick(fx, ruleSet, settings, rehearse: true)
        #expect(try fx.count("SELECT count(*) FROM enrolment") == 0 && fx.count("SELECT count(*) FROM send") == 0)
        let onboarding = try #require(rehearsal.journeys.first)
        #expect(onboarding.entered == 4 && onboarding.left == ["consent withdrawn": 1])
        #expect(onboarding.steps[0].queued == 3 && onboarding.steps[0].skipped == ["no_consent": 1])
        let plans = PlanReport.journeyPlans(rehearsal.journeys, ruleSet: ruleSet)
        #expect(plans.count == 1 && plans[0].steps[0].wouldSend == 3 && plans[0].entering == 4)
        #expect(PlanReport.text(journeys: plans).contains("step \"thanks\": advancing 4, would send 3, skipped no_consent 1"))
        let real = try await Self.tick(fx, ruleSet, settings, rehearse: false)
        #expect(real.journeys == rehearsal.journeys)
        #expect(try fx.count("SELECT count(*) FROM enrolment") == 4)
    }

    @Test("explain lists each enrolment (step, since, wait end) and the entry and exit conditions with the customer's values",
          arguments: StoreKind.allCases)
    func explainJourneys(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        try fx.journeyCustomers(["A", "Z"])
        try fx.purchase("A", at: Self.t("2026-11-02T08:30:00Z"))
        let ruleSet = try fx.ruleSet(JourneyScenarioTests.onboarding())
        let (engine, _) = try await fx.engine(ruleSet: ruleSet, on: kind)
        defer { fx.closeLater() }
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 2)
        let helsinki = TimeZone(identifier: "Europe/Helsinki")!
        let settings = engine.configuration.settings(at: Self.t("2026-11-02T10:00:00Z"))
        let explainer = Explainer(ruleSet: ruleSet, settings: settings, dialect: kind == .postgres ? .postgres : .sqlite)
        let a = try #require(try await Self.explainJourneys(fx, explainer, "A")?.first)
        #expect(a.enrolments.count == 1 && a.enrolments[0].step == "tips")
        #expect(a.entryHolds && a.exitHolds == false)
        #expect(a.entry.map(\.text) == ["orders = 1", "purchase in last 2 days", "consent email"])
        #expect(a.exit.map(\.values) == ["orders = 1"])
        let text = a.text(businessTimeZone: helsinki)
        #expect(text.contains(
            "enrolment entered 2026-11-02 11:00 (Europe/Helsinki): at step \"tips\" since 2026-11-02 11:00 (Europe/Helsinki), "
                + "wait ends 2026-11-05 11:00 (Europe/Helsinki)"))
        #expect(text.contains("exit when (goal): does not hold") && text.contains("✗ orders >= 2   [orders = 1]"))
        let z = try #require(try await Self.explainJourneys(fx, explainer, "Z")?.first)
        #expect(z.enrolments.isEmpty && !z.entryHolds && z.text(businessTimeZone: helsinki).contains("not enrolled"))
        #expect(try await Self.explainJourneys(fx, explainer, "nobody") == nil)
    }
}

extension JourneyPlanExplainTests {
    @Test("a reload says how many customers each journey change affects")
    func reloadDescribesEdits() throws {
        let fx = try EngineFixture()
        let v1 = """
            journey "j" {
              enter when orders >= 1
              step "a" { send email "a" }
              wait 2 days
              step "b" { send email "b" }
              wait 2 days
              step "c" { send email "c" }
            }
            """
        let v2 = """
            journey "j" {
              enter when orders >= 1
              step "a" { send email "a" }
              wait 1 days
              step "c" { send email "c" }
            }
            """
        var counts = JourneyCounts(journey: "j")
        counts.activeByStep = ["b": 12, "c": 1]
        let old = try fx.ruleSet(v1)
        #expect(JourneyEdits.describe(from: old, to: try fx.ruleSet(v2), counts: [counts]) == [
            "12 customers wait before step 'b' of journey 'j', which this version removes: they leave at the next tick",
            "1 customer waits before step 'c' of journey 'j': they take this version's step, their wait ends as it was set",
        ])
        #expect(JourneyEdits.describe(from: old, to: old, counts: [counts]).isEmpty)
        #expect(JourneyEdits.describe(from: old, to: try fx.ruleSet(""), counts: [counts]) == [
            "13 customers in journey 'j', which this version removes: they stay where they are until it comes back",
        ])
        // From the store alone (`check`): only enrolments that last moved under another version
        // than the checked one count at a kept step; every one at a removed step does.
        let v2Hash = try #require(try fx.ruleSet(v2).journey(named: "j")).contentHash
        counts.activeByStepAndVersion = ["b": ["v1": 12], "c": ["v1": 1, v2Hash: 4]]
        counts.activeByStep = ["b": 12, "c": 5]
        #expect(JourneyEdits.describe(against: try fx.ruleSet(v2), counts: [counts]) == [
            "12 customers wait before step 'b' of journey 'j', which this version removes: they leave at the next tick",
            "1 customer waits before step 'c' of journey 'j': they take this version's step, their wait ends as it was set",
        ])
        counts.activeByStepAndVersion = ["c": [v2Hash: 5]]
        counts.activeByStep = ["c": 5]
        #expect(JourneyEdits.describe(against: try fx.ruleSet(v2), counts: [counts]).isEmpty)
    }
}

extension JourneyPlanExplainTests {
    @Test("a crash after a step is claimed, and the tick re-run at the same instant, send nothing twice and lose nothing",
          arguments: StoreKind.allCases)
    func crashBetweenQueueAndDispatch(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A", "B"])
        for id in ["A", "B"] { try fx.purchase(id, at: Self.t("2026-11-02T08:30:00Z")) }
        let ruleSet = try fx.ruleSet(JourneyScenarioTests.onboarding())
        let start = Self.t("2026-11-02T09:00:00Z")
        do {
            let (engine, _) = try await fx.engine(ruleSet: ruleSet, on: kind)
            try await engine.tick(at: start)
            // Claimed (in flight), then the process dies before any outcome is recorded.
            #expect(try await engine.dispatcher.claim(limit: 10).count == 2)
        }
        // On PostgreSQL the dead daemon's leases run out first (moved back rather than waited for).
        if kind == .postgres { try fx.execute("UPDATE send SET lease_until = lease_until - 3600 WHERE status = 'in_flight'") }
        let (engine, _) = try await fx.engine(ruleSet: ruleSet, on: kind)
        // The next start re-runs the tick of the same instant: no second enrolment, no second row.
        let again = try await engine.tick(at: start)
        #expect(again.journeys.first?.entered == 0 && again.journeys.first?.steps[0].advanced == 0)
        #expect(try await engine.dispatcher.recoverInFlight() == 2)
        try await fx.simulate(engine, from: start, count: 12 * 24)
        #expect(fx.email.recipients.sorted() == ["A", "A", "A", "B", "B", "B"])
        #expect(try fx.count("SELECT count(*) FROM enrolment") == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'sent'") == 6)
        #expect(try await fx.enrolmentLines() == [
            "A onboarding entered 2026-11-02T09:00:00Z at review completed 2026-11-13T07:00:00Z",
            "B onboarding entered 2026-11-02T09:00:00Z at review completed 2026-11-13T07:00:00Z",
        ])
    }
}
