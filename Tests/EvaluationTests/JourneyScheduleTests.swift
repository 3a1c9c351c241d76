import Evaluation
import Foundation
import RuleLanguage
import Testing

/// When a journey's wait ends, in Europe/Helsinki (EET +2, EEST +3; 2026: spring forward on
/// 29 March at 03:00, fall back on 25 October at 04:00).
@Suite("journey waits: N×24 h, `at HH:MM` in the customer's zone, DST gaps and folds")
struct JourneyScheduleTests {
    let helsinki = TimeZone(identifier: "Europe/Helsinki")!

    static func t(_ text: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970)
    }

    func wait(_ days: Int, at: (Int, Int)? = nil) -> JourneyWait {
        JourneyWait(days: days, at: at.map { TimeOfDay(hour: $0.0, minute: $0.1)! }, range: 0..<0)
    }

    @Test("no wait: at once; `wait N days`: exactly N×24 h, even across a DST change")
    func plainDays() {
        let start = Self.t("2026-03-27T09:00:00Z")
        #expect(JourneySchedule.waitEnd(after: start, wait: nil, zone: helsinki) == start)
        #expect(JourneySchedule.waitEnd(after: start, wait: wait(3), zone: helsinki) == start + 3 * 86_400)
    }

    @Test("`at 09:00`: 7 local days on, then the next 09:00; the same weekday across both DST changes")
    func atNine() {
        // Monday 09:00 EET → Monday 09:00 EEST.
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-03-23T07:00:00Z"), wait: wait(7, at: (9, 0)), zone: helsinki)
            == Self.t("2026-03-30T06:00:00Z"))
        // Monday 09:00 EEST → Monday 09:00 EET.
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-10-19T06:00:00Z"), wait: wait(7, at: (9, 0)), zone: helsinki)
            == Self.t("2026-10-26T07:00:00Z"))
        // 11:00 local → the next day's 09:00.
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-11-05T09:00:00Z"), wait: wait(7, at: (9, 0)), zone: helsinki)
            == Self.t("2026-11-13T07:00:00Z"))
        // In UTC.
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-11-05T09:00:00Z"), wait: wait(2, at: (9, 0)), zone: .gmt)
            == Self.t("2026-11-07T09:00:00Z"))
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-11-05T09:00:01Z"), wait: wait(2, at: (9, 0)), zone: .gmt)
            == Self.t("2026-11-08T09:00:00Z"))
    }

    @Test("the hour that does not exist: 03:30 on the spring-forward day is 04:30 summer time")
    func springGap() {
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-03-28T00:00:00Z"), wait: wait(1, at: (3, 30)), zone: helsinki)
            == Self.t("2026-03-29T01:30:00Z"))
    }

    @Test("the hour that happens twice: 03:30 on the fall-back day is the first one (summer time)")
    func autumnFold() {
        #expect(JourneySchedule.waitEnd(after: Self.t("2026-10-23T23:00:00Z"), wait: wait(1, at: (3, 30)), zone: helsinki)
            == Self.t("2026-10-25T00:30:00Z"))
    }
}
