import Foundation

/// A lexical token and the bytes it came from.
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case keyword(Keyword)
        /// A name that is not a keyword: a fact word, a segment name, a channel, `once`, `days`, …
        case word(String)
        case string(String)
        /// A number; `isInteger` is false when it was written with a decimal point.
        case number(Decimal, isInteger: Bool)
        case time(TimeOfDay)
        case date(CalendarDate)
        /// `2025-05-12T09:00:00Z` or `…+03:00`, in Unix seconds: only in test files (`Lexer.allowsInstants`).
        case instant(Int64)
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case leftParen, rightParen, leftBrace, rightBrace, comma, percent, minus
        /// Something the lexer already reported (a bad number, an unterminated string, …).
        /// The parser never reports an invalid token again.
        case invalid
        case endOfFile
    }

    let kind: Kind
    let range: Range<Int>
}

/// Reserved words: they can never name a fact or a segment, which is what lets a condition run
/// on to the next line and still end cleanly at the next clause.
public enum Keyword: String, CaseIterable, Sendable {
    case rule, segment, journey
    case description, when, send, limit, holdout, quiet, priority, active, purpose, coupon, winner
    case enter, exit, reenter, step, wait
    case and, or, not, no, `in`

    /// Keywords that begin a clause inside `rule "…" { … }`.
    static let clauseKeywords: [Keyword] = [
        .description, .when, .send, .limit, .holdout, .quiet, .priority, .active, .purpose, .coupon, .winner,
    ]

    /// Keywords that begin a clause inside `journey "…" { … }`.
    static let journeyClauseKeywords: [Keyword] = [
        .description, .enter, .exit, .reenter, .holdout, .priority, .step, .wait,
    ]

    /// Keywords that begin a clause inside `step "…" { … }`.
    static let stepClauseKeywords: [Keyword] = [.when, .send, .quiet, .purpose, .coupon]

    /// Every keyword that begins a clause somewhere: where a condition or a skipped clause ends.
    static let anyClauseKeywords: Set<Keyword> = Set(clauseKeywords + journeyClauseKeywords)
}

extension Token.Kind {
    /// How the token reads in a message: `'and'`, `"vip"`, `'>='`, `end of file`.
    var displayName: String {
        switch self {
        case .keyword(let keyword): return "'\(keyword.rawValue)'"
        case .word(let word): return "'\(word)'"
        case .string(let text): return "\"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .number(let value, _): return "'\(value)'"
        case .time(let time): return "'\(time)'"
        case .date(let date): return "'\(date)'"
        case .instant(let seconds):
            let (days, second) = (seconds.floorDivided(by: 86_400), Int(seconds - seconds.floorDivided(by: 86_400) * 86_400))
            let date = CivilCalendar.date(dayNumber: Int(days))
            return String(
                format: "'%04d-%02d-%02dT%02d:%02d:%02dZ'", date.year, date.month, date.day, second / 3600, second / 60 % 60, second % 60)
        case .equal: return "'='"
        case .notEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .comma: return "','"
        case .percent: return "'%'"
        case .minus: return "'-'"
        case .invalid: return "invalid input"
        case .endOfFile: return "end of file"
        }
    }
}

extension Int64 {
    /// The quotient rounded toward negative infinity (instants before 1970 are negative).
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
