import Foundation
import RuleLanguage

/// When a journey's wait ends: computed once, when the wait starts, and stored on the enrolment.
///
/// - no wait: at once (the step follows in the same tick);
/// - `wait N days`: N×24 hours later;
/// - `wait N days at HH:MM`: the first HH:MM in `zone` at or after the same wall-clock time N
///   local days later. Away from a DST change that is N×24 h and then the next HH:MM; across one
///   it keeps the calendar ("wait 7 days at 09:00" from a Monday 09:00 is the next Monday 09:00,
///   not the Tuesday that 168 h and an hour lost in spring would give).
///
/// Local times that do not exist (the spring gap) are read with the offset before the change, so
/// 03:30 on the Helsinki spring-forward day is 04:30 summer time; local times that happen twice
/// (the autumn fold) are the first of the two.
public enum JourneySchedule {
    /// The instant (Unix seconds) the wait that starts at `start` ends.
    public static func waitEnd(after start: Int64, wait: JourneyWait?, zone: TimeZone) -> Int64 {
        guard let wait else { return start }
        let plain = start + Int64(wait.days) * 86_400
        guard let at = wait.at else { return plain }
        let localStart = start + offset(zone, at: start)
        let threshold = instant(localSeconds: localStart + Int64(wait.days) * 86_400, in: zone)
        let localThreshold = threshold + offset(zone, at: threshold)
        var day = floorDiv(localThreshold, 86_400)
        let minute = Int64(at.hour * 3600 + at.minute * 60)
        for _ in 0..<3 {
            let candidate = instant(localSeconds: day * 86_400 + minute, in: zone)
            if candidate >= threshold { return candidate }
            day += 1
        }
        return threshold
    }

    /// The instant of a local wall-clock time (seconds since 1970-01-01 00:00 local): the
    /// earlier of two in a fold, the offset before the change in a gap.
    static func instant(localSeconds local: Int64, in zone: TimeZone) -> Int64 {
        let before = offset(zone, at: local - 86_400)
        let after = offset(zone, at: local + 86_400)
        let candidates = Set([local - before, local - after]).filter { $0 + offset(zone, at: $0) == local }
        if let earliest = candidates.min() { return earliest }
        return local - before
    }

    static func offset(_ zone: TimeZone, at instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }
}
