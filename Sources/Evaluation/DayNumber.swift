import Foundation
import RuleLanguage

/// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's civil algorithms).
///
/// Dates are compared as day numbers in SQL, so `first purchase >= 2025-01-01` is an integer
/// comparison and no date text is ever built from rule input.
enum DayNumber {
    static func from(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func from(_ date: CalendarDate) -> Int {
        from(year: date.year, month: date.month, day: date.day)
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DD`.
    static func text(_ days: Int) -> String {
        let (year, month, day) = civil(days)
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
