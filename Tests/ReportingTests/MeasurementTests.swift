import Foundation
import Reporting
import Testing

/// What counts: windows, exposures, customers, revenue, attribution across rules.
@Suite("report measurement")
struct MeasurementTests {
    static let day = ReportFixture.day
    static let t0 = ReportFixture.monday + 10 * 3600
    static let now = t0 + 30 * day

    @Test("a purchase at the window's last second counts, one second later does not, one before the decision never")
    func windowEdges() throws {
        let fixture = try ReportFixture()
        let inside = try fixture.customer("inside"), outside = try fixture.customer("outside")
        let before = try fixture.customer("before"), same = try fixture.customer("same-second")
        for customer in [inside, outside, before, same] { try fixture.decide("r", customer, at: Self.t0) }
        try fixture.purchase(inside, at: Self.t0 + 7 * Self.day, amount: 1234)
        try fixture.purchase(outside, at: Self.t0 + 7 * Self.day + 1, amount: 1000)
        try fixture.purchase(before, at: Self.t0 - 1, amount: 1000)
        try fixture.purchase(same, at: Self.t0, amount: 1000)
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.recipients.customers == 4)
        #expect(rule.recipients.converted == 1)
        #expect(rule.recipients.revenueMinor == 1234)
        // A longer window takes in the later purchase.
        #expect(try fixture.rule("r", now: Self.now, window: 8).recipients.converted == 2)
    }

    @Test("the holdout's window runs from its decision too")
    func holdoutWindow() throws {
        let fixture = try ReportFixture()
        let held = try fixture.customer("held"), late = try fixture.customer("late")
        try fixture.decide("r", held, at: Self.t0, status: "holdout")
        try fixture.decide("r", late, at: Self.t0, status: "holdout")
        try fixture.purchase(held, at: Self.t0 + 3 * Self.day, amount: 500)
        try fixture.purchase(late, at: Self.t0 + 8 * Self.day, amount: 500)
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.holdout.customers == 2)
        #expect(rule.holdout.converted == 1)
        #expect(rule.recipients.customers == 0)
    }

    @Test("revenue is exact: every purchase in the window adds its minor units")
    func revenueExact() throws {
        let fixture = try ReportFixture()
        let customer = try fixture.customer("c")
        try fixture.decide("r", customer, at: Self.t0)
        for amount in [1, 99_999_999_999, 250] as [Int64] {
            try fixture.purchase(customer, at: Self.t0 + 3600, amount: amount)
        }
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.recipients.revenueMinor == 100_000_000_250)
        #expect(rule.recipients.orders == 3)
        #expect(rule.recipients.converted == 1)
    }

    @Test("a customer converting for two rules counts for each")
    func twoRules() throws {
        let fixture = try ReportFixture()
        let customer = try fixture.customer("both")
        try fixture.decide("winback", customer, at: Self.t0)
        try fixture.decide("newsletter", customer, at: Self.t0 + Self.day, status: "holdout")
        try fixture.purchase(customer, at: Self.t0 + 2 * Self.day, amount: 4200)
        let report = try fixture.report(now: Self.now)
        #expect(report.rules.map(\.rule) == ["newsletter", "winback"])
        #expect(report.rules[0].holdout.converted == 1)
        #expect(report.rules[0].holdout.revenueMinor == 4200)
        #expect(report.rules[1].recipients.converted == 1)
        #expect(report.rules[1].recipients.revenueMinor == 4200)
    }

    @Test("a customer decided twice by a rule counts once, from the first decision")
    func once() throws {
        let fixture = try ReportFixture()
        let customer = try fixture.customer("twice")
        try fixture.decide("r", customer, at: Self.t0)
        try fixture.decide("r", customer, at: Self.t0 + 10 * Self.day)
        // After the first window, inside the second: the first decision rules.
        try fixture.purchase(customer, at: Self.t0 + 12 * Self.day, amount: 100)
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.recipients.customers == 1)
        #expect(rule.recipients.converted == 0)
        // With --since after the first decision, the second is the first in the period.
        let later = try fixture.rule("r", now: Self.now, since: Self.t0 + Self.day)
        #expect(later.recipients.converted == 1)
    }

    @Test("windows not ended yet are pending and left out; skips and erased customers are no exposure")
    func pendingAndSkips() throws {
        let fixture = try ReportFixture()
        let old = try fixture.customer("old"), recent = try fixture.customer("recent"), skipped = try fixture.customer("skipped")
        try fixture.decide("r", old, at: Self.t0)
        try fixture.decide("r", recent, at: Self.now - 2 * Self.day, status: "holdout")
        try fixture.decide("r", skipped, at: Self.t0, status: "skipped")
        try fixture.decide("r", nil, at: Self.t0)
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.recipients.customers == 1)
        #expect(rule.holdout.customers == 0)
        #expect(rule.pending == 1)
    }

    @Test("queued and failed sends are recipients (intent to treat); only sent ones are delivered")
    func intentToTreat() throws {
        let fixture = try ReportFixture()
        for (index, status) in ["sent", "failed", "queued", "in_flight"].enumerated() {
            try fixture.decide("r", try fixture.customer("c\(index)"), at: Self.t0, status: status)
        }
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.recipients.customers == 4)
        #expect(rule.recipients.delivered == 1)
    }

    @Test("weeks start on Monday in the business time zone")
    func weeks() throws {
        let fixture = try ReportFixture()
        try fixture.decide("r", try fixture.customer("a"), at: ReportFixture.monday - 1)
        try fixture.decide("r", try fixture.customer("b"), at: ReportFixture.monday)
        try fixture.decide("r", try fixture.customer("c"), at: ReportFixture.monday + 7 * Self.day - 1, status: "holdout")
        let rule = try fixture.rule("r", now: Self.now)
        #expect(rule.weeks.map(\.start) == [ReportFixture.monday - 7 * Self.day, ReportFixture.monday])
        #expect(rule.weeks.map(\.recipients.customers) == [1, 1])
        #expect(rule.weeks.map(\.holdout.customers) == [0, 1])
    }

    @Test("the HTML page escapes rule names and fetches nothing")
    func html() throws {
        let fixture = try ReportFixture()
        try fixture.decide("<script>alert('x')</script>", try fixture.customer("a"), at: Self.t0)
        let page = try fixture.report(now: Self.now).html { "\($0)" }
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(!page.contains("http:") && !page.contains("https:") && !page.contains("url("))
        #expect(page.contains("<svg "))
    }
}
