import Foundation
import RuleLanguage

/// Day numbers (days since 1970-01-01, `CivilCalendar`) of instants in a time zone, and back.
///
/// Dates are compared as day numbers in SQL, so `first purchase >= 2025-01-01` is an integer
/// comparison and no date text is ever built from rule input.
enum DayNumber {
    /// `YYYY-MM-DD`.
    static func text(_ days: Int) -> String {
        let (year, month, day) = CivilCalendar.date(dayNumber: days)
        return CalendarDate(year: year, month: month, day: day)?.description ?? "\(year)-\(month)-\(day)"
    }

    /// The local calendar day of a Unix time in `zone`.
    static func local(_ unixSeconds: Int64, in zone: TimeZone) -> Int {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(unixSeconds))))
        let local = unixSeconds + offset
        return Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    /// Seconds since local midnight of a Unix time in `zone`.
    static func secondOfDay(_ unixSeconds: Int64, in zone: TimeZone) -> Int {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(unixSeconds))))
        let local = unixSeconds + offset
        return Int(((local % 86_400) + 86_400) % 86_400)
    }

    /// The Unix time of local midnight starting `day` in `zone`.
    static func midnight(_ day: Int, in zone: TimeZone) -> Int64 {
        let guess = Int64(day) * 86_400
        // The offset at the guess, refined once for days where the offset changes.
        var offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess))))
        offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess - offset))))
        return guess - offset
    }
}
