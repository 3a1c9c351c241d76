import RuleLanguage

/// Hover text: a fact's usage, type and meaning (the FactCatalog table docs/rules.md is written
/// from), or a segment's definition as written.
enum HoverProvider {
    static func hover(at offset: Int, in document: RuleDocument, index: SyntaxIndex) -> [String: Any]? {
        guard let target = SyntaxIndex.target(at: offset, in: document) else { return nil }
        switch target {
        case .segmentDeclaration(let declaration):
            guard let entry = index.segments[declaration.name] else { return nil }
            return markdown(segmentText(entry), range: document.range(declaration.nameRange))
        case .fact(let reference):
            if let definition = FactCatalog.definition(for: reference.phrase) {
                let text = "`\(definition.usage)` — \(typeName(definition.type))\n\n\(definition.meaning)"
                return markdown(text, range: document.range(reference.range))
            }
            guard let entry = index.segment(referencedBy: reference) else { return nil }
            var text = segmentText(entry)
            if reference.words.count == 2,
                let transition = FactCatalog.transitionUsages.first(where: { $0.usage.hasPrefix(reference.words[0] + " ") })
            {
                text = "`\(transition.usage)` — \(typeName(.boolean))\n\n\(transition.meaning)\n\n" + text
            }
            return markdown(text, range: document.range(reference.range))
        }
    }

    /// How a fact's type reads in completion details and hovers.
    static func typeName(_ type: ValueType?) -> String {
        switch type {
        case .boolean: "yes/no"
        case .some(let type): type.rawValue
        case nil: "text or number"
        }
    }

    /// `segment NAME` with its definition and where it is.
    static func segmentText(_ entry: SyntaxIndex.SegmentEntry) -> String {
        let source = entry.document.source
        let location = "\(source.name):\(source.location(of: entry.declaration.nameRange.lowerBound))"
        return "segment, defined at \(location)\n\n```\n\(source.text(entry.declaration.range))\n```"
    }

    private static func markdown(_ text: String, range: [String: Any]) -> [String: Any] {
        ["contents": ["kind": "markdown", "value": text], "range": range]
    }
}
