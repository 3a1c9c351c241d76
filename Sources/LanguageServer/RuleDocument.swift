import RuleLanguage

/// One file as the server sees it: its URI, its text (from the editor or the disk) and its parse.
final class RuleDocument {
    let uri: String
    let contents: [UInt8]
    let source: SourceFile
    let syntax: RuleFileSyntax
    let parseDiagnostics: [Diagnostic]
    let lines: LineIndex

    init(uri: String, name: String, contents: [UInt8]) {
        self.uri = uri
        self.contents = contents
        source = SourceFile(name: name, contents: contents)
        (syntax, parseDiagnostics) = Parser.parse(source)
        // The source's bytes, not `contents`: offsets in the syntax are into the repaired text.
        lines = LineIndex(source.bytes)
    }

    /// The LSP range (`{start, end}`) of a byte range in this document.
    func range(_ range: Range<Int>?) -> [String: Any] {
        let start = lines.position(of: range?.lowerBound ?? 0)
        let end = lines.position(of: range?.upperBound ?? 0)
        return [
            "start": ["line": start.line, "character": start.character],
            "end": ["line": end.line, "character": end.character],
        ]
    }

    /// The byte offset of an LSP position.
    func offset(line: Int, character: Int) -> Int {
        lines.offset(line: line, character: character)
    }
}
