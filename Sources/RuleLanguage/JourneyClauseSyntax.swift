import Foundation

/// One clause of a journey body.
public struct JourneyClauseSyntax: Sendable {
    public enum Kind: Sendable {
        case description(String)
        /// `enter when CONDITION`.
        case enter(ExpressionSyntax)
        /// `exit when CONDITION`.
        case exit(ExpressionSyntax)
        /// `reenter after N days`.
        case reenter(days: Int)
        case holdout(percent: Decimal)
        case priority(Int)
        case step(StepDeclaration)
        /// `wait N days [at HH:MM]`.
        case wait(days: Int, at: TimeOfDay?)
    }

    public let kind: Kind
    public let keyword: Keyword
    /// The clause keyword's range, where "duplicate clause" is reported.
    public let keywordRange: Range<Int>
    /// The whole clause (for a step, from `step` to its closing brace).
    public let range: Range<Int>
}
