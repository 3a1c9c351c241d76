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

/// A literal value with its range.
public struct LiteralSyntax: Sendable {
    public let value: Literal
    public let range: Range<Int>
}
