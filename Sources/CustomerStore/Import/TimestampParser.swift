import Foundation
import RuleLanguage

/// Parses ISO 8601 dates and times into Unix seconds, quickly and strictly.
///
/// Accepts `2025-06-30` (midnight in the business time zone), `2025-06-30T14:05`,
/// `2025-06-30T14:05:00` (local time in the business time zone), and the same with `Z` or an offset
/// such as `+03:00`/`+0300`; fractional seconds are accepted and dropped.
struct TimestampParser {
    let timeZone: TimeZone
    private var offsetCache: [Int: Int] = [:]

    init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Unix seconds for `text`, or nil when it is not a valid ISO 8601 date or date-time.
    mutating func seconds(_ text: String) -> Int64? {
        var utf8 = Array(text.utf8)
        if utf8.count > 10 && utf8[10] == UInt8(ascii: " ") { utf8[10] = UInt8(ascii: "T") }
        guard let date = Self.calendarDate(utf8.prefix(10)) else { return nil }
        let day = CivilCalendar.dayNumber(year: date.year, month: date.month, day: date.day)
        if utf8.count == 10 { return Int64(day) * 86400 - Int64(localOffset(day: day, secondOfDay: 0)) }
        guard utf8.count >= 16, utf8[10] == UInt8(ascii: "T"),
              let hour = Self.number(utf8[11..<13]), utf8[13] == UInt8(ascii: ":"),
              let minute = Self.number(utf8[14..<16]), hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0
        if index < utf8.count && utf8[index] == UInt8(ascii: ":") {
            guard utf8.count >= 19, let value = Self.number(utf8[17..<19]), value < 60 else { return nil }
            second = value
            index = 19
            if index < utf8.count && (utf8[index] == UInt8(ascii: ".") || utf8[index] == UInt8(ascii: ",")) {
                index += 1
                let digitsStart = index
                while index < utf8.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[index]) { index += 1 }
                if index == digitsStart { return nil }
            }
        }
        let secondOfDay = hour * 3600 + minute * 60 + second
        let offset: Int
        if index == utf8.count {
            offset = localOffset(day: day, secondOfDay: secondOfDay)
        } else if utf8[index] == UInt8(ascii: "Z") && index + 1 == utf8.count {
            offset = 0
        } else if utf8[index] == UInt8(ascii: "+") || utf8[index] == UInt8(ascii: "-") {
            let rest = utf8[(index + 1)...]
            let digits: ArraySlice<UInt8>
            if rest.count == 5 && rest[rest.startIndex + 2] == UInt8(ascii: ":") {
                digits = rest.prefix(2) + rest.suffix(2)
            } else if rest.count == 4 || rest.count == 2 {
                digits = rest.count == 2 ? rest + [UInt8(ascii: "0"), UInt8(ascii: "0")] : rest
            } else { return nil }
            guard let hours = Self.number(digits.prefix(2)), let minutes = Self.number(digits.suffix(2)),
                  hours <= 18, minutes < 60 else { return nil }
            let magnitude = hours * 3600 + minutes * 60
            offset = utf8[index] == UInt8(ascii: "-") ? -magnitude : magnitude
        } else {
            return nil
        }
        return Int64(day) * 86400 + Int64(secondOfDay) - Int64(offset)
    }

    /// The business time zone's UTC offset at a local wall-clock time (cached per hour).
    private mutating func localOffset(day: Int, secondOfDay: Int) -> Int {
        let key = day * 24 + secondOfDay / 3600  // offsets change on whole hours
        if let cached = offsetCache[key] { return cached }
        let wallClock = Double(day) * 86400 + Double(secondOfDay)
        let guess = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock))
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wallClock - Double(guess)))
        if offsetCache.count > 100_000 { offsetCache.removeAll() }
        offsetCache[key] = offset
        return offset
    }

    /// A calendar date `YYYY-MM-DD`, validated (including leap years).
    static func calendarDate<C: Collection>(_ bytes: C) -> (year: Int, month: Int, day: Int)? where C.Element == UInt8 {
        let b = Array(bytes)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = number(b[0..<4]), let month = number(b[5..<7]), let day = number(b[8..<10]),
              CivilCalendar.isValid(year: year, month: month, day: day), year >= 1
        else { return nil }
        return (year, month, day)
    }

    private static func number<C: Collection>(_ digits: C) -> Int? where C.Element == UInt8 {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return digits.isEmpty ? nil : value
    }
}
