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
    case rule, segment
    case description, when, send, limit, holdout, quiet, priority, active
    case and, or, not, no, `in`

    /// Keywords that begin a clause inside `rule "…" { … }`.
    static let clauseKeywords: [Keyword] = [.description, .when, .send, .limit, .holdout, .quiet, .priority, .active]
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
