import Foundation
import GRDB
import RuleLanguage

/// SQL functions the compiled conditions call, for what SQLite cannot do itself: calendar days
/// in a named time zone, and numbers read from text attributes.
///
/// They are pure functions of their arguments (`now` and zones are arguments), registered on
/// each connection before an evaluation; `SQLDialect.sqlite` spells calls to them.
enum SQLFunctions {
    /// `campaignd_day(unix_seconds, zone)`: the local calendar day number, or NULL.
    static let day = DatabaseFunction("campaignd_day", argumentCount: 2, pure: true) { values in
        guard let seconds = Int64.fromDatabaseValue(values[0]),
            let zone = String.fromDatabaseValue(values[1]).flatMap(TimeZoneCache.shared.zone)
        else { return nil }
        return DayNumber.local(seconds, in: zone)
    }

    /// `campaignd_birthday_in(birthday, customer_zone, business_zone, now, days)`: 1 when the
    /// `YYYY-MM-DD` birthday falls `days` calendar days after the customer's local today.
    /// A 29 February birthday falls on 28 February in other years.
    static let birthdayIn = DatabaseFunction("campaignd_birthday_in", argumentCount: 5, pure: true) { values in
        guard let birthday = String.fromDatabaseValue(values[0]), birthday.utf8.count == 10,
            let business = String.fromDatabaseValue(values[2]).flatMap(TimeZoneCache.shared.zone),
            let now = Int64.fromDatabaseValue(values[3]), let days = Int.fromDatabaseValue(values[4])
        else { return 0 }
        let zone = TimeZoneCache.shared.zone(String.fromDatabaseValue(values[1]), fallback: business)
        let utf8 = Array(birthday.utf8)
        guard let month = twoDigits(utf8[5], utf8[6]), let day = twoDigits(utf8[8], utf8[9]) else { return 0 }
        return BirthdayRule.matches(month: month, day: day, onDay: DayNumber.local(now, in: zone) + days) ? 1 : 0
    }

    /// `campaignd_number(text)`: the text as a number when it is one (`42`, `-3.5`), else NULL.
    static let number = DatabaseFunction("campaignd_number", argumentCount: 1, pure: true) { values in
        switch values[0].storage {
        case .int64(let value): return value
        case .double(let value): return value
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let integer = Int64(trimmed) { return integer }
            guard trimmed.contains("."), let value = Double(trimmed), value.isFinite,
                trimmed.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" })
            else { return nil }
            return value
        default: return nil
        }
    }

    static func register(in db: Database) {
        db.add(function: day)
        db.add(function: birthdayIn)
        db.add(function: number)
    }

    private static func twoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
        guard (48...57).contains(a), (48...57).contains(b) else { return nil }
        return Int(a - 48) * 10 + Int(b - 48)
    }
}

/// When a birthday is celebrated: on its month and day, and 29 February on 28 February in years
/// without one.
enum BirthdayRule {
    static func matches(month: Int, day: Int, onDay dayNumber: Int) -> Bool {
        let (year, targetMonth, targetDay) = CivilCalendar.date(dayNumber: dayNumber)
        if month == targetMonth && day == targetDay { return true }
        return month == 2 && day == 29 && targetMonth == 2 && targetDay == 28 && !CivilCalendar.isLeap(year)
    }

    /// `MM-DD` texts of every birthday that can fall `days` days after today in some time zone
    /// (UTC−12 … UTC+14) at `now`: a superset, for a cheap first filter in SQL.
    static func candidateMonthDays(now: Int64, days: Int) -> [String] {
        let utcDay = Int(now >= 0 ? now / 86_400 : (now - 86_399) / 86_400)
        var texts: Set<String> = []
        for day in (utcDay - 1 + days)...(utcDay + 1 + days) {
            let (year, month, dayOfMonth) = CivilCalendar.date(dayNumber: day)
            texts.insert(String(DayNumber.text(day).suffix(5)))
            if month == 2 && dayOfMonth == 28 && !CivilCalendar.isLeap(year) { texts.insert("02-29") }
        }
        return texts.sorted()
    }
}
