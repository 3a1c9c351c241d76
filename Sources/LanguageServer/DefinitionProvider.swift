/// Go to definition: from a segment's name (in a condition, or in `entered S` / `left S`) to its
/// declaration, in whichever file of the rules directory holds it.
enum DefinitionProvider {
    static func definition(at offset: Int, in document: RuleDocument, index: SyntaxIndex) -> [String: Any]? {
        let entry: SyntaxIndex.SegmentEntry?
        switch SyntaxIndex.target(at: offset, in: document) {
        case .fact(let reference): entry = index.segment(referencedBy: reference)
        case .segmentDeclaration(let declaration): entry = index.segments[declaration.name]
        case nil: entry = nil
        }
        guard let entry else { return nil }
        return ["uri": entry.document.uri, "range": entry.document.range(entry.declaration.nameRange)]
    }
}
