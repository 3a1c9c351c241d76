/// A checked condition: names resolved, types known. This is what the evaluator compiles to SQL.
///
/// Every node keeps the byte range it came from (in its rule's or segment's `file`), so an
/// explanation can quote the exact source text.
public struct Condition: Sendable {
    public indirect enum Kind: Sendable {
        /// All must hold (`and`).
        case all([Condition])
        /// At least one must hold (`or`).
        case any([Condition])
        /// `not X`, or `no X`.
        case not(Condition)
        /// A boolean fact holds.
        case fact(Fact)
        /// The customer is in the named segment; see `RuleSet.segment(named:)`.
        case segment(String)
        /// `left op right`, compared as `type` (never `.boolean`). A missing fact value makes it false.
        case comparison(Operand, ComparisonOperator, Operand, type: ValueType)
        /// `operand in (v1, v2, …)`, compared as `type`.
        case membership(Operand, [Literal], type: ValueType)
    }

    public let kind: Kind
    public let range: Range<Int>

    public init(_ kind: Kind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    /// Names of the segments this condition refers to directly (by name, or by `entered`/`left`),
    /// in order of first mention.
    public var referencedSegments: [String] {
        var names: [String] = []
        func visit(_ condition: Condition) {
            switch condition.kind {
            case .all(let parts), .any(let parts): parts.forEach(visit)
            case .not(let inner): visit(inner)
            case .segment(let name), .fact(.transition(_, let name, _)): if !names.contains(name) { names.append(name) }
            case .fact, .comparison, .membership: break
            }
        }
        visit(self)
        return names
    }

    /// Segments whose transitions (`entered S`, `left S`) this condition reads, in order of first mention.
    public var transitionSegments: [String] {
        var names: [String] = []
        func visit(_ condition: Condition) {
            switch condition.kind {
            case .all(let parts), .any(let parts): parts.forEach(visit)
            case .not(let inner): visit(inner)
            case .fact(.transition(_, let name, _)): if !names.contains(name) { names.append(name) }
            case .fact, .segment, .comparison, .membership: break
            }
        }
        visit(self)
        return names
    }
}

/// One side of a comparison.
public struct Operand: Sendable {
    public enum Kind: Sendable {
        case fact(Fact)
        case literal(Literal)
    }

    public let kind: Kind
    public let range: Range<Int>
}
