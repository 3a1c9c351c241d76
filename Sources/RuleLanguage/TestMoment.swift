import Foundation

/// A time written in a test file: an instant (`2025-05-12T09:00:00Z`) or a date (`2025-01-10`),
/// which means midnight in the test's business time zone, as in the import.
public enum TestMoment: Sendable, Equatable {
    case instant(Int64)
    case date(CalendarDate)

    /// Unix seconds, reading a date as midnight in `zone`.
    public func seconds(in zone: TimeZone) -> Int64 {
        switch self {
        case .instant(let seconds):
            return seconds
        case .date(let date):
            let utcMidnight = Int64(date.dayNumber) * 86_400
            // Two passes find the offset in force at local midnight, across a DST change too.
            var offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight))))
            offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight - offset))))
            return utcMidnight - offset
        }
    }
}
