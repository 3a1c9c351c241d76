import Foundation

/// `journey "NAME" { CLAUSE… }` as written, clauses in source order (duplicates included, so the
/// checker can report them; steps and waits in the order they run).
public struct JourneyDeclaration: Sendable {
    public let name: String
    public let nameRange: Range<Int>
    public let clauses: [JourneyClauseSyntax]
    /// Clauses that began but could not be parsed; already reported, so their absence is not.
    public let brokenClauses: Set<Keyword>
    /// From `journey` to the closing brace.
    public let range: Range<Int>
}
