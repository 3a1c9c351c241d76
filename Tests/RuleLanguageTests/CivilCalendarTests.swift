import Foundation
import RuleLanguage
import Testing

/// The one civil calendar: day numbers agree with Foundation's Gregorian calendar in UTC, and
/// convert both ways over a range far wider than any store holds.
@Suite("civil calendar")
struct CivilCalendarTests {
    /// Foundation's Gregorian calendar switches to the Julian one before 15 October 1582, so it is
    /// a reference only from then on: 1583-01-01 … 2600-12-31, every day.
    @Test("day numbers and dates agree with Foundation's Gregorian calendar in UTC, 1583–2600")
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let first = CivilCalendar.dayNumber(year: 1583, month: 1, day: 1)
        let last = CivilCalendar.dayNumber(year: 2600, month: 12, day: 31)
        var mismatches: [String] = []
        for day in first...last {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
            let expected = (parts.year!, parts.month!, parts.day!)
            let actual = CivilCalendar.date(dayNumber: day)
            if actual != expected || CivilCalendar.dayNumber(year: expected.0, month: expected.1, day: expected.2) != day {
                mismatches.append("day \(day): \(actual), Foundation \(expected)")
                if mismatches.count > 5 { break }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("round trip and consecutive dates over ±1 million days (years −768 … 4707)")
    func roundTripsOverAWideRange() {
        var previous = CivilCalendar.date(dayNumber: -1_000_001)
        var failures: [String] = []
        for day in -1_000_000...1_000_000 {
            let date = CivilCalendar.date(dayNumber: day)
            if CivilCalendar.dayNumber(year: date.year, month: date.month, day: date.day) != day {
                failures.append("day \(day) → \(date) does not come back")
            }
            if !CivilCalendar.isValid(year: date.year, month: date.month, day: date.day) {
                failures.append("day \(day) → invalid \(date)")
            }
            let follows = date.day == previous.day + 1 && date.month == previous.month && date.year == previous.year
                || date.day == 1 && previous.day == CivilCalendar.daysIn(month: previous.month, year: previous.year)
                    && (date.month == previous.month + 1 && date.year == previous.year
                        || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            if !follows { failures.append("day \(day): \(date) does not follow \(previous)") }
            if failures.count > 5 { break }
            previous = date
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("known days: the epoch, the day before it, and around 29 February")
    func knownDays() {
        func date(_ day: Int) -> [Int] {
            let date = CivilCalendar.date(dayNumber: day)
            return [date.year, date.month, date.day]
        }
        #expect(CivilCalendar.dayNumber(year: 1970, month: 1, day: 1) == 0)
        #expect(date(-1) == [1969, 12, 31])
        #expect(CivilCalendar.dayNumber(year: 2000, month: 3, day: 1) == 11_017)
        #expect(date(11_016) == [2000, 2, 29])
        #expect(date(CivilCalendar.dayNumber(year: 1900, month: 2, day: 28) + 1) == [1900, 3, 1])
        #expect(date(CivilCalendar.dayNumber(year: 2100, month: 2, day: 28) + 1) == [2100, 3, 1])
        #expect(date(CivilCalendar.dayNumber(year: 2024, month: 2, day: 28) + 1) == [2024, 2, 29])
        #expect(CivilCalendar.dayNumber(year: 0, month: 3, day: 1) - CivilCalendar.dayNumber(year: 0, month: 2, day: 28) == 2)
    }

    @Test("leap years: every fourth, except centuries not divisible by 400")
    func leapYears() {
        #expect(CivilCalendar.isLeap(2024) && CivilCalendar.isLeap(2000) && CivilCalendar.isLeap(1600) && CivilCalendar.isLeap(0))
        #expect(!CivilCalendar.isLeap(1900) && !CivilCalendar.isLeap(2100) && !CivilCalendar.isLeap(2023) && !CivilCalendar.isLeap(-100))
        #expect(CivilCalendar.isLeap(-4) && CivilCalendar.isLeap(-400))
        #expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map { CivilCalendar.daysIn(month: $0, year: 2023) }
            == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        #expect(CivilCalendar.daysIn(month: 2, year: 2000) == 29 && CivilCalendar.daysIn(month: 2, year: 1900) == 28)
        #expect(!CivilCalendar.isValid(year: 2100, month: 2, day: 29) && CivilCalendar.isValid(year: 2000, month: 2, day: 29))
        #expect(!CivilCalendar.isValid(year: 2025, month: 13, day: 1) && !CivilCalendar.isValid(year: 2025, month: 4, day: 31))
        #expect(!CivilCalendar.isValid(year: 2025, month: 0, day: 1) && !CivilCalendar.isValid(year: 2025, month: 1, day: 0))
    }
}
