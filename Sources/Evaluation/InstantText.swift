import Foundation
import RuleLanguage

/// Instants as people write them on the command line, and as `plan`/`explain` print them.
public enum InstantText {
    /// `2026-11-20T09:30:00+02:00`, `2026-11-20T07:30:00Z`, `2026-11-20 09:30` (business time
    /// zone), or `2026-11-20` (midnight in the business time zone); Unix seconds, or nil.
    public static func parse(_ text: String, businessTimeZone: TimeZone) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: trimmed) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: trimmed) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        let parts = trimmed.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard (1...2).contains(parts.count), let day = dayNumber(parts[0]) else { return nil }
        var seconds = 0
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":").map { Int($0) }
            guard (2...3).contains(clock.count), !clock.contains(nil),
                let hour = clock[0], let minute = clock[1], (0...23).contains(hour), (0...59).contains(minute)
            else { return nil }
            let second = clock.count == 3 ? clock[2]! : 0
            guard (0...59).contains(second) else { return nil }
            seconds = hour * 3600 + minute * 60 + second
        }
        let midnight = DayNumber.midnight(day, in: businessTimeZone)
        // Wall-clock time after midnight, corrected when the offset changes during the day.
        let guess = midnight + Int64(seconds)
        let drift = Int64(businessTimeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(midnight))))
            - Int64(businessTimeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(guess))))
        return guess + drift
    }

    /// `2026-11-20T07:30:00Z`.
    public static func utc(_ seconds: Int64) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        return iso.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// `2026-11-20 09:30 (Europe/Helsinki)`.
    public static func local(_ seconds: Int64, in zone: TimeZone) -> String {
        let day = DayNumber.local(seconds, in: zone)
        let second = DayNumber.secondOfDay(seconds, in: zone)
        let hour = second / 3600, minute = second / 60 % 60
        return "\(DayNumber.text(day)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) (\(zone.identifier))"
    }

    private static func dayNumber(_ text: Substring) -> Int? {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
            let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
            CivilCalendar.isValid(year: year, month: month, day: day)
        else { return nil }
        return CivilCalendar.dayNumber(year: year, month: month, day: day)
    }
}
