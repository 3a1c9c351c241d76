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
