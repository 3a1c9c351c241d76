@testable import CustomerStore
import Engine
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// Journeys over simulated weeks: hourly ticks on a manual clock, each followed by a dispatch,
/// with exact enrolments and sends.
@Suite("journeys: enrolments, waits, goals and edits over simulated time")
struct JourneyScenarioTests {
    /// Issue 15's onboarding journey without its holdout and re-entry (every customer is sent
    /// every step, once), with `entry` as its entry condition.
    static func onboarding(entry: String = "orders = 1 and purchase in last 2 days and consent email") -> String {
        """
        journey "onboarding" {
          enter when \(entry)
          exit when orders >= 2
          step "thanks" {
            send email "onboarding-thanks"
          }
          wait 3 days
          step "tips" {
            when no purchase in last 3 days
            send email "onboarding-tips"
          }
          wait 7 days at 09:00
          step "review" {
            send email "review-ask"
            quiet hours 21:00-08:00
          }
        }
        """
    }

    static func t(_ text: String) -> Int64 { EngineFixture.time(text) }

    @Test("onboarding over 30 days: a customer who buys again on day 2, one on day 5, one who never does", arguments: StoreKind.allCases)
    func onboardingThirtyDays(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A", "B", "C"])
        for id in ["A", "B", "C"] { try fx.purchase(id, at: Self.t("2026-11-02T08:30:00Z")) }
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(Self.onboarding()), on: kind)
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 30 * 24) { instant in
            if instant == Self.t("2026-11-04T09:00:00Z") { try fx.purchase("A", at: Self.t("2026-11-04T08:30:00Z")) }
            if instant == Self.t("2026-11-07T09:00:00Z") { try fx.purchase("B", at: Self.t("2026-11-07T08:30:00Z")) }
        }
        #expect(try await fx.enrolmentLines() == [
            "A onboarding entered 2026-11-02T09:00:00Z at tips goal 2026-11-04T09:00:00Z",
            "B onboarding entered 2026-11-02T09:00:00Z at review goal 2026-11-07T09:00:00Z",
            "C onboarding entered 2026-11-02T09:00:00Z at review completed 2026-11-13T07:00:00Z",
        ])
        // tips: 3×24 h after thanks; review: 7 local days later (Nov 12, 11:00 Helsinki), then the next 09:00.
        #expect(try await fx.journeySends() == [
            "A onboarding/thanks sent 2026-11-02T09:00:00Z",
            "B onboarding/thanks sent 2026-11-02T09:00:00Z",
            "B onboarding/tips sent 2026-11-05T09:00:00Z",
            "C onboarding/thanks sent 2026-11-02T09:00:00Z",
            "C onboarding/tips sent 2026-11-05T09:00:00Z",
            "C onboarding/review sent 2026-11-13T07:00:00Z",
        ])
        #expect(fx.email.deliveries.count == 6)
        let rows = try await fx.tableRows("SELECT rule, journey, step, window_key FROM send WHERE journey IS NOT NULL ORDER BY id LIMIT 1")
        #expect(rows.first.map { [$0[0].string, $0[1].string, $0[2].string] }
            == ["onboarding/thanks", "onboarding", "thanks"])
        #expect(rows.first.flatMap { $0[3].int64 } == Self.t("2026-11-02T09:00:00Z"))
    }

    @Test("a step whose condition is false is skipped and the journey goes on", arguments: StoreKind.allCases)
    func falseStepIsSkipped(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A"])
        try fx.purchase("A", at: Self.t("2026-11-02T08:30:00Z"))
        let journey = """
            journey "j" {
              enter when purchase in last 1 days
              step "one" { send email "one" }
              wait 1 days
              step "two" {
                when orders >= 5
                send email "two"
              }
              wait 1 days
              step "three" { send email "three" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 72)
        #expect(try await fx.journeySends() == [
            "A j/one sent 2026-11-02T09:00:00Z",
            "A j/two skipped 2026-11-03T09:00:00Z (condition false)",
            "A j/three sent 2026-11-04T09:00:00Z",
        ])
        #expect(try await fx.enrolmentLines() == ["A j entered 2026-11-02T09:00:00Z at three completed 2026-11-04T09:00:00Z"])
    }

    @Test("re-entry: not before 365 days after the previous entry, then again", arguments: StoreKind.allCases)
    func reentryAfter365Days(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-01-05T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["R"])
        let journey = """
            journey "regular" {
              enter when purchase in last 2 days
              reenter after 365 days
              step "hello" { send email "hello" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
        let start = Self.t("2026-01-05T09:00:00Z")
        let purchases = [0, 100, 364, 366].map { start + Int64($0) * 86_400 - 1800 }
        try await fx.simulate(engine, from: start, every: 86_400, count: 400) { instant in
            for at in purchases where at > instant - 86_400 && at <= instant { try fx.purchase("R", at: at) }
        }
        #expect(try await fx.enrolmentLines() == [
            "R regular entered 2026-01-05T09:00:00Z at hello completed 2026-01-05T09:00:00Z",
            "R regular entered 2027-01-05T09:00:00Z at hello completed 2027-01-05T09:00:00Z",
        ])
        #expect(try await fx.journeySends() == [
            "R regular/hello sent 2026-01-05T09:00:00Z", "R regular/hello sent 2027-01-05T09:00:00Z",
        ])
    }

    @Test("without `reenter after`, a customer enters a journey once ever", arguments: StoreKind.allCases)
    func entersOnce(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-01-05T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["R"])
        let journey = """
            journey "once" {
              enter when purchase in last 2 days
              step "hello" { send email "hello" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
        let start = Self.t("2026-01-05T09:00:00Z")
        try await fx.simulate(engine, from: start, every: 86_400, count: 20) { instant in
            if (instant - start) % (5 * 86_400) == 0 { try fx.purchase("R", at: instant - 60) }
        }
        #expect(try await fx.enrolmentLines() == ["R once entered 2026-01-05T09:00:00Z at hello completed 2026-01-05T09:00:00Z"])
    }

    @Test("editing a live journey: a renamed step's waiters leave, a kept step keeps its wait end, an added step runs", arguments: StoreKind.allCases)
    func editMidFlight(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["P", "Q"])
        try fx.purchase("P", at: Self.t("2026-11-02T08:30:00Z"))
        let v1 = """
            journey "edit" {
              enter when purchase in last 1 days
              step "s1" { send email "s1" }
              wait 2 days
              step "s2" { send email "s2" }
              wait 2 days
              step "s3" { send email "s3" }
            }
            """
        // s2 renamed to s2b (so removed), s3's wait shortened, s4 added.
        let v2 = """
            journey "edit" {
              enter when purchase in last 1 days
              step "s1" { send email "s1" }
              wait 2 days
              step "s2b" { send email "s2b" }
              wait 1 days
              step "s3" { send email "s3" }
              wait 1 days
              step "s4" { send email "s4" }
            }
            """
        let (engine, box) = try await fx.engine(ruleSet: try fx.ruleSet(v1), on: kind)
        let edited = try fx.ruleSet(v2)
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 10 * 24) { instant in
            if instant == Self.t("2026-11-04T09:00:00Z") { try fx.purchase("Q", at: Self.t("2026-11-04T08:30:00Z")) }
            if instant == Self.t("2026-11-05T09:00:00Z") {
                box.swap(edited)
                try await engine.reload()
            }
        }
        #expect(try await fx.enrolmentLines() == [
            "P edit entered 2026-11-02T09:00:00Z at s4 completed 2026-11-07T09:00:00Z",
            "Q edit entered 2026-11-04T09:00:00Z at s2 left: step removed 2026-11-05T09:00:00Z",
        ])
        #expect(try await fx.journeySends() == [
            "P edit/s1 sent 2026-11-02T09:00:00Z",
            "P edit/s2 sent 2026-11-04T09:00:00Z",
            // Waiting since Nov 4 with its end (Nov 6) computed then: v2's shorter wait does not move it.
            "P edit/s3 sent 2026-11-06T09:00:00Z",
            "P edit/s4 sent 2026-11-07T09:00:00Z",
            "Q edit/s1 sent 2026-11-04T09:00:00Z",
        ])
        let hashes = try await fx.tableRows("SELECT rule_hash FROM send WHERE rule IN ('edit/s3', 'edit/s4')").map { $0[0].string }
        let v2Hash = try #require(edited.journey(named: "edit")).contentHash
        #expect(hashes == [v2Hash, v2Hash])
    }

    @Test("wait 7 days at 09:00 in Europe/Helsinki across the spring and autumn DST changes", arguments: StoreKind.allCases)
    func dstAtNine(on kind: StoreKind) async throws {
        for (entry, expected) in [
            ("2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z"),  // Mon 09:00 EET → Mon 09:00 EEST
            ("2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z"),  // Mon 09:00 EEST → Mon 09:00 EET
        ] {
            let fx = try EngineFixture(now: entry)
            defer { fx.closeLater() }
            try fx.journeyCustomers(["H"])
            try fx.purchase("H", at: Self.t(entry) - 1800)
            let journey = """
                journey "dst" {
                  enter when purchase in last 1 days
                  step "first" { send email "first" }
                  wait 7 days at 09:00
                  step "second" { send email "second" }
                }
                """
            let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
            try await fx.simulate(engine, from: Self.t(entry), count: 9 * 24)
            #expect(try await fx.journeySends() == ["H dst/first sent \(entry)", "H dst/second sent \(expected)"])
        }
    }

    @Test("the dispatcher re-checks the goal: a purchase between queueing and dispatch stops the step and ends the enrolment", arguments: StoreKind.allCases)
    func recheckGoalBeforeDispatch(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A", "B"])
        for id in ["A", "B"] { try fx.purchase(id, at: Self.t("2026-11-02T08:30:00Z")) }
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(Self.onboarding()), on: kind)
        let instant = Self.t("2026-11-02T09:00:00Z")
        try await engine.tick(at: instant)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued' AND journey = 'onboarding'") == 2)
        try fx.purchase("A", at: instant + 60)
        fx.clock.advance(120)
        _ = try await engine.dispatchDue()
        #expect(fx.email.recipients == ["B"])
        #expect(try await fx.journeySends() == [
            "A onboarding/thanks skipped 2026-11-02T09:00:00Z (goal reached before dispatch)",
            "B onboarding/thanks sent 2026-11-02T09:00:00Z",
        ])
        #expect(try await fx.enrolmentLines() == [
            "A onboarding entered 2026-11-02T09:00:00Z at tips goal 2026-11-02T09:02:00Z",
            "B onboarding entered 2026-11-02T09:00:00Z at tips waiting until 2026-11-05T09:00:00Z",
        ])
    }

    @Test("consent withdrawn between queueing and dispatch: the step is skipped and the enrolment leaves", arguments: StoreKind.allCases)
    func recheckConsentBeforeDispatch(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A"])
        try fx.purchase("A", at: Self.t("2026-11-02T08:30:00Z"))
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(Self.onboarding()), on: kind)
        let instant = Self.t("2026-11-02T09:00:00Z")
        try await engine.tick(at: instant)
        _ = try await fx.withdrawConsent(externalID: "A", channel: "email", at: instant + 60, source: "test")
        fx.clock.advance(120)
        _ = try await engine.dispatchDue()
        #expect(fx.email.deliveries.isEmpty)
        #expect(try await fx.journeySends() == ["A onboarding/thanks skipped 2026-11-02T09:00:00Z (no_consent at dispatch)"])
        #expect(try await fx.enrolmentLines() == [
            "A onboarding entered 2026-11-02T09:00:00Z at tips left: consent withdrawn 2026-11-02T09:02:00Z",
        ])
    }

    @Test("a step the contact-pressure cap blocks is held at the step and sent at the first tick with room", arguments: StoreKind.allCases)
    func cappedStepIsHeld(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A"])
        try fx.purchase("A", at: Self.t("2026-11-02T08:30:00Z"))
        let rules = """
            rule "welcome" {
              when orders >= 1
              send email "welcome"
              limit once
            }
            """
        let journey = """
            journey "j" {
              enter when purchase in last 2 days
              step "one" { send email "one" }
              wait 1 days
              step "two" { send email "two" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(rules + "\n" + journey), cap: 1, capDays: 3, on: kind)
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 24)
        // The rule took the cap in the tick (rules decide first); the step waits at its row.
        #expect(try await fx.journeySends() == ["A j/one skipped 2026-11-02T09:00:00Z (capped)"])
        #expect(try await fx.enrolmentLines() == ["A j entered 2026-11-02T09:00:00Z at one waiting until 2026-11-02T09:00:00Z"])
        try await fx.simulate(engine, from: Self.t("2026-11-03T09:00:00Z"), count: 6 * 24)
        // Room again 3 days after the rule's send: the same row is queued and sent; the next step
        // waits its day, then finds the cap taken by step one until 3 days after it.
        #expect(try await fx.journeySends() == [
            "A j/one sent 2026-11-05T09:00:00Z",
            "A j/two sent 2026-11-08T09:00:00Z",
        ])
        #expect(try await fx.enrolmentLines() == ["A j entered 2026-11-02T09:00:00Z at two completed 2026-11-08T09:00:00Z"])
    }

    @Test("holdout is decided at entry, stable per (journey, customer); holdout enrolments record every step, send nothing", arguments: StoreKind.allCases)
    func holdoutAtEntry(on kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        let ids = (1...40).map { "H\($0)" }
        try fx.journeyCustomers(ids)
        for id in ids { try fx.purchase(id, at: Self.t("2026-11-02T08:30:00Z")) }
        let journey = """
            journey "held" {
              enter when purchase in last 2 days
              holdout 25%
              step "one" { send email "one" }
              wait 1 days
              step "two" { send email "two" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
        try await fx.simulate(engine, from: Self.t("2026-11-02T09:00:00Z"), count: 48)
        let expectedHoldout = Set(ids.filter { HoldoutHash.isHeldOut(rule: "held", customer: $0, percent: 25) })
        #expect(!expectedHoldout.isEmpty && expectedHoldout.count < ids.count)
        let holdoutRows = try await fx.tableRows(
            "SELECT c.external_id FROM send s JOIN customer c ON c.id = s.customer_id WHERE s.status = 'holdout'"
        ).compactMap { $0[0].string }
        #expect(holdoutRows.count == 2 * expectedHoldout.count && Set(holdoutRows) == expectedHoldout)
        #expect(Set(fx.email.recipients) == Set(ids).subtracting(expectedHoldout))
        #expect(try fx.count("SELECT count(*) FROM enrolment WHERE holdout = 1 AND ended = 'completed'") == expectedHoldout.count)
    }
}
