import Foundation

/// `rule "NAME" { CLAUSE… }` as written, clauses in source order (duplicates included, so the
/// checker can report them).
public struct RuleDeclaration: Sendable {
    public let name: String
    public let nameRange: Range<Int>
    public let clauses: [ClauseSyntax]
    /// Clauses that began but could not be parsed; already reported, so their absence is not.
    public let brokenClauses: Set<Keyword>
    /// From `rule` to the closing brace.
    public let range: Range<Int>
}

/// One clause of a rule body.
public struct ClauseSyntax: Sendable {
    public enum Kind: Sendable {
        case description(String)
        case when(ExpressionSyntax)
        /// `send CHANNEL "NAME"`: the channel word and the template or endpoint name, as written.
        case send(channel: String, channelRange: Range<Int>, target: String, targetRange: Range<Int>)
        case limit(SendLimit)
        case holdout(percent: Decimal)
        case quietHours(QuietHours)
        case priority(Int)
        case active(ActiveWindow)
    }

    public let kind: Kind
    public let keyword: Keyword
    /// The clause keyword's range, where "duplicate clause" is reported.
    public let keywordRange: Range<Int>
    /// The whole clause.
    public let range: Range<Int>
}

/// How often a rule may send to the same customer.
public enum SendLimit: Hashable, Sendable {
    /// No `limit` clause: every tick may send again (the checker warns).
    case unlimited
    /// `limit once`: once ever.
    case once
    /// `limit once per N days`: at most one send of this rule per customer in any N-day window.
    case oncePer(days: Int)
}

/// `quiet hours HH:MM-HH:MM` in the customer's local time; `start > end` spans midnight.
public struct QuietHours: Hashable, Sendable {
    public let start: TimeOfDay
    public let end: TimeOfDay

    /// Whether a local wall-clock time falls in the quiet period `[start, end)`.
    public func contains(_ time: TimeOfDay) -> Bool {
        start <= end ? (start <= time && time < end) : (time >= start || time < end)
    }
}

/// `active from DATE until DATE`: both days inclusive, in the business time zone; either bound may
/// be left out.
public struct ActiveWindow: Hashable, Sendable {
    public let from: CalendarDate?
    public let until: CalendarDate?
}
