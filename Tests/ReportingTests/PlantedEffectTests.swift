@testable import CustomerStore
import Foundation
import Reporting
import Testing

/// Generated send logs with a known effect: the report must find what was planted.
@Suite("report on planted effects")
struct PlantedEffectTests {
    static let now = ReportFixture.monday + 120 * ReportFixture.day

    func experiment(_ rule: String, recipients: Int, holdout: Int, rates: (Double, Double), seed: UInt64) -> SyntheticExperiment {
        SyntheticExperiment(
            rule: rule, recipients: recipients, holdout: holdout, recipientRate: rates.0, holdoutRate: rates.1,
            start: ReportFixture.monday, days: 84, windowDays: 7, seed: seed)
    }

    @Test("recipients at 12 %, holdout at 8 %: the interval holds the true 4 points and the verdict is significant")
    func plantedEffect() throws {
        let fixture = try ReportFixture()
        try experiment("winback", recipients: 20_000, holdout: 2_000, rates: (0.12, 0.08), seed: 7).write(to: fixture.store)
        let rule = try fixture.rule("winback", now: Self.now)
        #expect(rule.recipients.customers == 20_000)
        #expect(rule.holdout.customers == 2_000)
        #expect(rule.pending == 0)
        let lift = try #require(rule.conversion.absoluteLift)
        #expect(lift.contains(0.04), "\(lift)")
        #expect(lift.low > 0)
        // The relative lift, 12/8 − 1 = 50 %.
        let relative = try #require(rule.conversion.relativeLift)
        #expect(relative.contains(0.5), "\(relative)")
        guard case .significant(let measured) = rule.verdict else {
            Issue.record("verdict \(rule.verdict.text)")
            return
        }
        #expect(abs(measured - 0.04) < 0.015)
        #expect(rule.verdict.text.hasSuffix(" points, significant"))
        // Revenue per customer: every converter spends 10.00–90.00 EUR (mean 50.00), so the true
        // difference is 4 % × 50.00 = 2.00 EUR.
        let revenue = try #require(rule.revenueDifference)
        #expect(revenue.contains(200), "\(revenue)")
        // Twelve weeks of decisions.
        #expect(rule.weeks.count == 12)
        #expect(rule.weeks.map(\.recipients.customers).reduce(0, +) == 20_000)
    }

    @Test("the same rate in both groups is reported as no measurable effect")
    func noEffect() throws {
        let fixture = try ReportFixture()
        try experiment("greeting", recipients: 20_000, holdout: 2_000, rates: (0.10, 0.10), seed: 11).write(to: fixture.store)
        let rule = try fixture.rule("greeting", now: Self.now)
        #expect(rule.verdict == .noMeasurableEffect)
        #expect(rule.verdict.text == "no measurable effect")
        #expect(try #require(rule.conversion.absoluteLift).contains(0))
    }

    @Test("a rule with a handful of held-out customers is not enough data")
    func small() throws {
        let fixture = try ReportFixture()
        try experiment("vip", recipients: 200, holdout: 12, rates: (0.5, 0.1), seed: 3).write(to: fixture.store)
        let rule = try fixture.rule("vip", now: Self.now)
        #expect(rule.verdict.text == "not enough data")
        #expect(rule.verdict.sentence == "not enough data: the holdout group has 12 customers, at least 100 are needed")
    }

    @Test("rare conversions are not enough data even in large groups")
    func rare() throws {
        let fixture = try ReportFixture()
        try experiment("rare", recipients: 2_000, holdout: 200, rates: (0.004, 0.0), seed: 5).write(to: fixture.store)
        let rule = try fixture.rule("rare", now: Self.now)
        #expect(rule.verdict.code == "not_enough_data", "\(rule.verdict.sentence)")
        #expect(rule.verdict.sentence.contains("converters expected in the holdout group"))
    }

    @Test("the same seed writes the same data")
    func deterministic() throws {
        let first = try ReportFixture(), second = try ReportFixture()
        for fixture in [first, second] {
            try experiment("again", recipients: 500, holdout: 100, rates: (0.2, 0.1), seed: 9).write(to: fixture.store)
        }
        let a = try first.rule("again", now: Self.now), b = try second.rule("again", now: Self.now)
        #expect(a.weeks == b.weeks)
    }
}
