import Foundation

/// `step "NAME" { CLAUSE… }` inside a journey, as written: `when`, `send` and `quiet hours`
/// clauses in source order (duplicates included, so the checker can report them).
public struct StepDeclaration: Sendable {
    public let name: String
    public let nameRange: Range<Int>
    public let clauses: [ClauseSyntax]
    /// Clauses that began but could not be parsed; already reported, so their absence is not.
    public let brokenClauses: Set<Keyword>
    /// From `step` to the closing brace.
    public let range: Range<Int>
}
