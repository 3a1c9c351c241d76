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
