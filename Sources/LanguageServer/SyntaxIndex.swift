import RuleLanguage

/// What completion, hover and definition need from the parses of a scope: the segments with
/// their declarations, the names sends carry, and every fact reference of a document.
struct SyntaxIndex {
    struct SegmentEntry {
        let declaration: SegmentDeclaration
        let document: RuleDocument
    }

    /// The first declaration of each segment name, as the checker keeps it.
    private(set) var segments: [String: SegmentEntry] = [:]
    /// Rule names, and `JOURNEY/STEP` for every journey step: what `received "…"` may name.
    private(set) var sendNames: [(name: String, isStep: Bool)] = []

    init(_ documents: [RuleDocument]) {
        for document in documents {
            for declaration in document.syntax.declarations {
                switch declaration {
                case .segment(let segment):
                    if segments[segment.name] == nil { segments[segment.name] = SegmentEntry(declaration: segment, document: document) }
                case .rule(let rule) where !rule.name.isEmpty:
                    sendNames.append((rule.name, false))
                case .journey(let journey) where !journey.name.isEmpty:
                    for case .step(let step) in journey.clauses.map(\.kind) where !step.name.isEmpty {
                        sendNames.append(("\(journey.name)/\(step.name)", true))
                    }
                default:
                    break
                }
            }
        }
    }

    /// Every fact reference (including bare segment names) in a file's conditions, in source order.
    static func factReferences(in syntax: RuleFileSyntax) -> [FactReferenceSyntax] {
        var references: [FactReferenceSyntax] = []
        func visit(_ operand: OperandSyntax) {
            if case .fact(let reference) = operand { references.append(reference) }
        }
        func visit(_ expression: ExpressionSyntax) {
            switch expression.kind {
            case .and(let parts), .or(let parts): parts.forEach(visit)
            case .not(let inner, _): visit(inner)
            case .comparison(let left, _, let right):
                visit(left)
                visit(right)
            case .membership(let operand, _), .operand(let operand): visit(operand)
            case .invalid: break
            }
        }
        for declaration in syntax.declarations {
            switch declaration {
            case .segment(let segment):
                visit(segment.condition)
            case .rule(let rule):
                for case .when(let condition) in rule.clauses.map(\.kind) { visit(condition) }
            case .journey(let journey):
                for clause in journey.clauses {
                    switch clause.kind {
                    case .enter(let condition), .exit(let condition): visit(condition)
                    case .step(let step):
                        for case .when(let condition) in step.clauses.map(\.kind) { visit(condition) }
                    default: break
                    }
                }
            }
        }
        return references
    }

    /// The segment a reference names: a bare segment name, or the segment of `entered S` / `left S`.
    func segment(referencedBy reference: FactReferenceSyntax) -> SegmentEntry? {
        if reference.words.count == 1, FactCatalog.definition(for: reference.phrase) == nil {
            return segments[reference.phrase]
        }
        if reference.words.count == 2, reference.words[0] == "entered" || reference.words[0] == "left" {
            return segments[reference.words[1]]
        }
        return nil
    }

    /// The fact reference or segment declaration name under a byte offset (the end counts, so a
    /// cursor just after a word finds it).
    static func target(at offset: Int, in document: RuleDocument) -> Target? {
        for segment in document.syntax.segments where segment.nameRange.contains(offset) || segment.nameRange.upperBound == offset {
            return .segmentDeclaration(segment)
        }
        for reference in factReferences(in: document.syntax)
        where reference.range.contains(offset) || reference.range.upperBound == offset {
            return .fact(reference)
        }
        return nil
    }

    enum Target {
        case fact(FactReferenceSyntax)
        case segmentDeclaration(SegmentDeclaration)
    }
}
