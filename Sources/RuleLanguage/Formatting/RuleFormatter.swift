/// `campaignd fmt`: the one canonical layout of a rule file (docs/rules.md, "Canonical layout").
///
/// Only files without syntax errors are formatted. The result is checked before it is returned:
/// it must parse to the same declarations and clauses (clause order aside) with the same comments,
/// so formatting can never change what a file means.
public enum RuleFormatter {
    /// The canonical layout of `text`; throws `RuleFormatError` when the text has syntax errors.
    public static func format(_ text: String, fileName: String) throws -> String {
        try format(SourceFile(name: fileName, text: text))
    }

    /// The canonical layout of `file`; throws `RuleFormatError` when it has syntax errors.
    public static func format(_ file: SourceFile) throws -> String {
        var lexer = Lexer(file: file)
        let tokens = lexer.tokenize()
        let (syntax, diagnostics) = Parser.parse(file)
        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw RuleFormatError.syntax(file: file.name, diagnostics: errors) }
        var layout = RuleLayout(file: file, tokens: tokens, comments: lexer.comments)
        guard layout.lay(syntax) else { throw RuleFormatError.unchanged(file: file.name) }
        let output = layout.render()
        try verify(output, against: syntax, comments: lexer.comments.map { file.text($0) }, name: file.name)
        return output
    }

    /// Throws unless `output` parses cleanly to the same meaning and keeps every comment.
    private static func verify(_ output: String, against original: RuleFileSyntax, comments: [String], name: String) throws {
        let file = SourceFile(name: name, text: output)
        var lexer = Lexer(file: file)
        _ = lexer.tokenize()
        let (syntax, diagnostics) = Parser.parse(file)
        let trimmed = { (texts: [String]) in texts.map(RuleLayout.trimmedComment).sorted() }
        guard !diagnostics.contains(where: { $0.severity == .error }),
            SyntaxFingerprint.of(syntax) == SyntaxFingerprint.of(original),
            trimmed(lexer.comments.map { file.text($0) }) == trimmed(comments)
        else { throw RuleFormatError.unchanged(file: name) }
    }
}
