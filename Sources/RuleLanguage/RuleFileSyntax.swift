/// The parse of one rule file: its segment, rule and journey declarations in source order.
///
/// This is the syntax tree, before names are resolved and types checked; `RuleSet` is the checked
/// result that the evaluator uses.
public struct RuleFileSyntax: Sendable {
    public enum Declaration: Sendable {
        case segment(SegmentDeclaration)
        case rule(RuleDeclaration)
        case journey(JourneyDeclaration)
    }

    public let file: SourceFile
    public let declarations: [Declaration]

    public var segments: [SegmentDeclaration] {
        declarations.compactMap { if case .segment(let segment) = $0 { segment } else { nil } }
    }

    public var rules: [RuleDeclaration] {
        declarations.compactMap { if case .rule(let rule) = $0 { rule } else { nil } }
    }

    public var journeys: [JourneyDeclaration] {
        declarations.compactMap { if case .journey(let journey) = $0 { journey } else { nil } }
    }
}

/// `segment NAME = CONDITION`.
public struct SegmentDeclaration: Sendable {
    public let name: String
    public let nameRange: Range<Int>
    public let condition: ExpressionSyntax
    /// From `segment` to the end of the condition.
    public let range: Range<Int>
}
