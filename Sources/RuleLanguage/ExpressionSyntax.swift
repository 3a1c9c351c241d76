import Foundation

/// A condition as written, with the byte range of every node.
public struct ExpressionSyntax: Sendable {
    public indirect enum Kind: Sendable {
        /// `a and b and c`, kept flat so long chains never nest deeply.
        case and([ExpressionSyntax])
        case or([ExpressionSyntax])
        /// `not X`, or `no X` when `spelledNo` (as in `no purchase in last 90 days`).
        case not(ExpressionSyntax, spelledNo: Bool)
        case comparison(OperandSyntax, ComparisonOperator, OperandSyntax)
        /// `country in ("FI", "SE")`.
        case membership(OperandSyntax, [LiteralSyntax])
        /// A bare fact or segment name used as a condition, or a stray literal.
        case operand(OperandSyntax)
        /// Something that did not parse; already reported.
        case invalid
    }

    public let kind: Kind
    public let range: Range<Int>
}

/// One side of a comparison: a fact reference or a literal.
public enum OperandSyntax: Sendable {
    case fact(FactReferenceSyntax)
    case literal(LiteralSyntax)

    public var range: Range<Int> {
        switch self {
        case .fact(let fact): fact.range
        case .literal(let literal): literal.range
        }
    }
}

/// A fact as written: its words (`days since last purchase`), an optional quoted argument
/// (`event "cart_abandoned"`) and an optional window (`in last 30 days`, `in 0 days`).
public struct FactReferenceSyntax: Sendable {
    public let words: [String]
    public let wordsRange: Range<Int>
    public let argument: String?
    public let argumentRange: Range<Int>?
    public let window: WindowSyntax?
    public let range: Range<Int>

    public var phrase: String { words.joined(separator: " ") }
}

/// `in last N days` (a window ending now) or `in N days` (a calendar day N days from today).
public struct WindowSyntax: Sendable {
    public enum Kind: Sendable { case last, ahead }
    public let kind: Kind
    public let days: Int
    public let range: Range<Int>
}

/// A literal value with its range.
public struct LiteralSyntax: Sendable {
    public let value: Literal
    public let range: Range<Int>
}

/// A constant in a condition. Numbers are exact decimals (never binary floating point); whether
/// a number means money is decided by the fact it is compared with.
public enum Literal: Hashable, Sendable, CustomStringConvertible {
    case number(Decimal)
    case text(String)
    case date(CalendarDate)

    public var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let text): "\"\(text)\""
        case .date(let date): date.description
        }
    }
}

/// `=`, `!=`, `<`, `<=`, `>`, `>=`.
public enum ComparisonOperator: String, Hashable, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}
