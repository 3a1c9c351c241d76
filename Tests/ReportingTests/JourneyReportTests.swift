@testable import CustomerStore
import Foundation
import GRDB
import Reporting
import Testing
import TestSupport

/// `report` per journey on planted enrolments, purchases and step rows: exact counts, and a lift
/// the test computes itself from the planted numbers.
@Suite("report per journey")
struct JourneyReportTests {
    static let day = ReportFixture.day
    static let start = ReportFixture.monday
    static let now = start + 30 * day

    /// 300 entrants and 200 held out, entered over five days from `start`; 7 more entrants two
    /// days before `now` (still in their window). Window 7 days.
    ///
    /// Entrants: 0–59 end `goal` 2 days after entry; 60–89 buy 10.00 EUR 3 days after entry;
    /// 90–99 end `goal` 10 days after entry (outside the window: not converted). Converted 90.
    /// Holdout: 0–19 end `goal` a day after entry; 20–29 buy 5.00 EUR a day after entry; 30–34
    /// buy 8 days after entry (outside). Converted 30.
    static func planted() throws -> ReportFixture {
        let fixture = try ReportFixture()
        let support = try StoreFixture(store: fixture.store)
        let entrantIDs = try support.customers((0..<300).map { StoreFixture.Customer("e\($0)") })
        let holdoutIDs = try support.customers((0..<200).map { StoreFixture.Customer("h\($0)") })
        let lateIDs = try support.customers((0..<7).map { StoreFixture.Customer("l\($0)") })
        let otherIDs = try support.customers((0..<3).map { StoreFixture.Customer("o\($0)") })
        func entered(_ index: Int) -> Int64 { start + Int64(index % 5) * day + 9 * 3600 }
        var purchases: [StoreFixture.Purchase] = []
        try fixture.store.database.write { db in
            func enrol(_ journey: String, _ customer: Int64, at: Int64, holdout: Bool, goalAt: Int64? = nil) throws {
                try db.execute(
                    sql: """
                        INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, holdout, step, step_since,
                                              wait_ends_at, ended, ended_at)
                        VALUES (?, ?, ?, 'hash', ?, 'thanks', ?, ?, ?, ?)
                        """,
                    arguments: [journey, customer, at, holdout, at, at, goalAt == nil ? nil : "goal", goalAt])
            }
            for (index, id) in entrantIDs.enumerated() {
                let at = entered(index)
                switch index {
                case 0..<60: try enrol("onboarding", id, at: at, holdout: false, goalAt: at + 2 * day)
                case 90..<100: try enrol("onboarding", id, at: at, holdout: false, goalAt: at + 10 * day)
                default: try enrol("onboarding", id, at: at, holdout: false)
                }
                if (60..<90).contains(index) {
                    purchases.append(StoreFixture.Purchase("e\(index)", at: at + 3 * day, amountMinor: 1000))
                }
            }
            for (index, id) in holdoutIDs.enumerated() {
                let at = entered(index)
                try enrol("onboarding", id, at: at, holdout: true, goalAt: index < 20 ? at + day : nil)
                if (20..<30).contains(index) {
                    purchases.append(StoreFixture.Purchase("h\(index)", at: at + day, amountMinor: 500))
                }
                if (30..<35).contains(index) {
                    purchases.append(StoreFixture.Purchase("h\(index)", at: at + 8 * day, amountMinor: 700))
                }
            }
            for (index, id) in lateIDs.enumerated() {
                try enrol("onboarding", id, at: now - 2 * day, holdout: index == 0, goalAt: now - day)
            }
            for id in otherIDs { try enrol("winback", id, at: start, holdout: false) }
        }
        try support.purchases(purchases)

        // Step rows: `thanks` first (from `start`), `tips` a week later; one rule row beside them.
        func row(_ step: String, _ customer: Int64, at: Int64, _ status: SendStatus, reason: String? = nil) -> SendDecision {
            var send = StoreFixture.send("onboarding/\(step)", customer: customer, at: at, status: status, target: step)
            send.journey = "onboarding"
            send.step = step
            send.reason = reason
            return send
        }
        var rows: [SendDecision] = []
        for (index, id) in entrantIDs.enumerated() {
            let at = entered(index)
            switch index {
            case 0..<290: rows.append(row("thanks", id, at: at, .sent))
            case 290..<295: rows.append(row("thanks", id, at: at, .failed))
            case 295..<297: rows.append(row("thanks", id, at: at, .queued))
            case 297: rows.append(row("thanks", id, at: at, .inFlight))
            default: rows.append(row("thanks", id, at: at, .skipped, reason: "goal reached before dispatch"))
            }
            if index < 43 {
                let tipsAt = at + 7 * day
                switch index {
                case 0..<40: rows.append(row("tips", id, at: tipsAt, .sent))
                case 40: rows.append(row("tips", id, at: tipsAt, .skipped, reason: "no consent"))
                default: rows.append(row("tips", id, at: tipsAt, .skipped, reason: "goal reached before dispatch"))
                }
            }
        }
        for (index, id) in holdoutIDs.enumerated() { rows.append(row("thanks", id, at: entered(index), .holdout)) }
        rows.append(StoreFixture.send("welcome", customer: otherIDs[0], at: start, status: .sent))
        try support.sends(rows)
        return fixture
    }

    @Test("entrants against the entry holdout: exact counts, the goal or a purchase in the window converts")
    func counts() throws {
        let report = try Self.planted().report(now: Self.now)
        #expect(report.rules.map(\.rule) == ["welcome"], "journey steps' rows are not rules")
        #expect(report.journeys.map(\.journey) == ["onboarding", "winback"])
        let journey = try #require(report.journeys.first)
        #expect(journey.entrants.customers == 300)
        #expect(journey.holdout.customers == 200)
        #expect(journey.entrantsGoal == 60)
        #expect(journey.holdoutGoal == 20)
        #expect(journey.entrants.converted == 90)
        #expect(journey.holdout.converted == 30)
        #expect(journey.entrants.orders == 30)
        #expect(journey.entrants.revenueMinor == 30_000)
        #expect(journey.holdout.orders == 10)
        #expect(journey.holdout.revenueMinor == 5_000)
        #expect(journey.pending == 7)
        let winback = try #require(report.journeys.last)
        #expect(winback.entrants.customers == 3 && winback.holdout.customers == 0 && winback.steps.isEmpty)
    }

    @Test("the lift and its Wald interval are the ones computed by hand from the planted rates")
    func lift() throws {
        let journey = try #require(try Self.planted().report(now: Self.now).journeys.first)
        // 90/300 = 0.30 against 30/200 = 0.15.
        let p1 = 0.30, p0 = 0.15
        let margin = 1.959964 * (p1 * (1 - p1) / 300 + p0 * (1 - p0) / 200).squareRoot()
        let lift = try #require(journey.conversion.absoluteLift)
        #expect(abs(lift.estimate - 0.15) < 1e-12)
        #expect(abs(lift.low - (0.15 - margin)) < 1e-5, "\(lift)")
        #expect(abs(lift.high - (0.15 + margin)) < 1e-5, "\(lift)")
        // Pooled z: (0.30 − 0.15) / sqrt(0.24 × 0.76 × (1/300 + 1/200)) ≈ 3.85, p < 0.05.
        let pooled = 120.0 / 500
        let z = 0.15 / (pooled * (1 - pooled) * (1.0 / 300 + 1.0 / 200)).squareRoot()
        #expect(abs((journey.conversion.z ?? 0) - z) < 1e-9)
        #expect(journey.verdict == .significant(lift: p1 - p0))
        // Revenue per customer: 30 000 / 300 = 100 against 5 000 / 200 = 25 minor units.
        #expect(abs((journey.revenueDifference?.estimate ?? 0) - 75) < 1e-9)
    }

    @Test("per step: sends by status and skips by reason, steps in the order they ran")
    func steps() throws {
        let journey = try #require(try Self.planted().report(now: Self.now).journeys.first)
        #expect(journey.steps.map(\.step) == ["thanks", "tips"])
        var thanks = StepTally(step: "thanks")
        thanks.queued = 3
        thanks.sent = 290
        thanks.failed = 5
        thanks.holdout = 200
        thanks.skipped = [("goal reached before dispatch", 2)]
        var tips = StepTally(step: "tips")
        tips.sent = 40
        tips.skipped = [("goal reached before dispatch", 2), ("no consent", 1)]
        #expect(journey.steps == [thanks, tips])
    }

    @Test("text, JSON and HTML carry the journey's figures; --journey leaves the rules out and --rule the journeys")
    func formats() throws {
        let fixture = try Self.planted()
        let report = try fixture.report(now: Self.now)
        let text = report.text { "\($0)" }
        #expect(text.contains("journey onboarding\n"))
        #expect(text.contains("reached the goal                    60              20"), "\(text)")
        #expect(text.contains("still in their window: 7 entrants (not counted)"))
        #expect(text.contains("skipped 2: goal reached before dispatch"))
        // The lines of docs/cli.md's example (relative interval and Welch's by hand: +37.8 % to
        // +190.3 %; 75 ± 1.966 × 18.99 minor units).
        #expect(
            text.contains(
                "lift     +15.0 points (95 % CI +7.8 to +22.2), +100.0 % relative (95 % CI +37.8 % to +190.3 %), p = 0.0001\n"),
            "\(text)")
        #expect(text.contains("revenue  +0.75 EUR per customer (95 % CI +0.38 EUR to +1.12 EUR)\n"), "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as? [String: Any]
        let journeys = try #require(json?["journeys"] as? [[String: Any]])
        let onboarding = try #require(journeys.first)
        #expect(onboarding["journey"] as? String == "onboarding")
        #expect((onboarding["entrants"] as? [String: Any])?["goal"] as? Int == 60)
        #expect((onboarding["holdout"] as? [String: Any])?["converted"] as? Int == 30)
        #expect(onboarding["verdict"] as? String == "significant")
        let steps = try #require(onboarding["steps"] as? [[String: Any]])
        #expect(steps.map { $0["sent"] as? Int } == [290, 40])
        #expect(steps.map { $0["skipped"] as? Int } == [2, 3])
        let html = report.html { "\($0)" }
        #expect(html.contains("<h2>onboarding</h2>"))
        #expect(html.contains("<tr><td>reached the goal</td><td>60</td><td>20</td></tr>"))
        #expect(html.contains("<tr><td>tips</td><td>0</td><td>40</td><td>0</td><td>0</td>"))

        let onlyJourney = try Report(
            query: ReportQuery(since: nil, now: Self.now, windowDays: 7, journey: "onboarding"), store: fixture.store,
            timeZone: TimeZone(identifier: "UTC")!)
        #expect(onlyJourney.rules.isEmpty && onlyJourney.journeys.map(\.journey) == ["onboarding"])
        let onlyRule = try fixture.report(now: Self.now, rule: "welcome")
        #expect(onlyRule.journeys.isEmpty && onlyRule.rules.map(\.rule) == ["welcome"])
    }

    @Test("--since counts entries from that instant: the first day's entrants drop out")
    func since() throws {
        let journey = try #require(try Self.planted().report(now: Self.now, since: Self.start + Self.day).journeys.first)
        // Index % 5 == 0 entered on the first day: 60 of the entrants, 40 of the holdout.
        #expect(journey.entrants.customers == 240)
        #expect(journey.holdout.customers == 160)
    }
}
