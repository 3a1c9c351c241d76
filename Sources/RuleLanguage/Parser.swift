/// Hand-written recursive-descent parser for rule files.
///
/// Error recovery works in "panic mode": the first error in a declaration or clause is reported,
/// later ones are suppressed until the parser resynchronises at the next clause keyword, closing
/// brace, `rule`, `journey` or `segment`. One mistake therefore gives one diagnostic, and every other
/// declaration in the file is still parsed and checked.
///
/// Nesting (parentheses and `not`) is limited to `maximumNestingDepth`, and `and`/`or` chains are
/// kept flat, so no input can overflow the stack.
public struct Parser {
    /// Deepest nesting of parentheses and `not` accepted.
    public static let maximumNestingDepth = 64

    let file: SourceFile
    let tokens: [Token]
    var position = 0
    var diagnostics = DiagnosticCollector()
    var panicking = false
    var depth = 0

    /// Lexes and parses one file, returning the syntax tree and every lexical and syntax error.
    public static func parse(_ file: SourceFile) -> (syntax: RuleFileSyntax, diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file)
        let tokens = lexer.tokenize()
        var parser = Parser(file: file, tokens: tokens, diagnostics: lexer.diagnostics)
        let declarations = parser.parseDeclarations()
        return (RuleFileSyntax(file: file, declarations: declarations), parser.diagnostics.diagnostics)
    }

    private init(file: SourceFile, tokens: [Token], diagnostics: DiagnosticCollector) {
        self.file = file
        self.tokens = tokens
        self.diagnostics = diagnostics
    }

    // MARK: Declarations

    private mutating func parseDeclarations() -> [RuleFileSyntax.Declaration] {
        var declarations: [RuleFileSyntax.Declaration] = []
        while current.kind != .endOfFile {
            panicking = false
            switch current.kind {
            case .keyword(.rule):
                if let rule = parseRule() { declarations.append(.rule(rule)) }
            case .keyword(.segment):
                if let segment = parseSegment() { declarations.append(.segment(segment)) }
            case .keyword(.journey):
                if let journey = parseJourney() { declarations.append(.journey(journey)) }
            default:
                reportUnexpectedTopLevel()
                skipToDeclaration()
            }
        }
        return declarations
    }

    private mutating func reportUnexpectedTopLevel() {
        switch current.kind {
        case .word(let word):
            if let suggestion = EditDistance.suggestion(for: word, among: ["rule", "segment", "journey"]) {
                report("unknown declaration '\(word)'", at: current, hint: "did you mean '\(suggestion)'?")
                return
            }
        case .keyword(let keyword) where Keyword.clauseKeywords.contains(keyword):
            report(
                "'\(keyword.rawValue)' belongs inside a rule", at: current,
                hint: "write it between 'rule \"NAME\" {' and '}'")
            return
        case .keyword(let keyword) where Keyword.anyClauseKeywords.contains(keyword):
            report(
                "'\(keyword.rawValue)' belongs inside a journey", at: current,
                hint: "write it between 'journey \"NAME\" {' and '}'")
            return
        case .rightBrace:
            report("unexpected '}' outside a rule or journey", at: current)
            return
        default:
            break
        }
        report("expected 'rule', 'journey' or 'segment', found \(current.kind.displayName)", at: current)
    }

    /// `segment NAME = CONDITION`
    private mutating func parseSegment() -> SegmentDeclaration? {
        let keyword = advance()
        let name: String
        let nameRange = current.range
        switch current.kind {
        case .word(let word):
            name = word
            advance()
        case .string(let text):
            report("segment names are written without quotes", at: current, hint: "write 'segment \(text) = …'")
            name = text
            advance()
        case .keyword(let reserved):
            report("'\(reserved.rawValue)' is a reserved word and cannot name a segment", at: current)
            skipToDeclaration()
            return nil
        default:
            report("expected a segment name after 'segment', found \(current.kind.displayName)", at: current)
            skipToDeclaration()
            return nil
        }
        guard current.kind == .equal else {
            let hint = current.kind == .minus ? "segment names may use only letters, digits and '_'" : nil
            report(
                "expected '=' after segment name '\(name)', found \(current.kind.displayName)", at: current, hint: hint)
            skipToDeclaration()
            return nil
        }
        advance()
        let condition = parseExpression()
        if !isAtDeclarationBoundary {
            report(
                "unexpected \(current.kind.displayName) after the condition of segment '\(name)'", at: current,
                hint: "join conditions with 'and' or 'or'")
            skipToDeclaration()
        }
        return SegmentDeclaration(
            name: name, nameRange: nameRange, condition: condition,
            range: keyword.range.lowerBound..<max(condition.range.upperBound, nameRange.upperBound))
    }

    /// `rule "NAME" { CLAUSE… }`
    private mutating func parseRule() -> RuleDeclaration? {
        let keyword = advance()
        var name: String?
        let nameRange = current.range
        switch current.kind {
        case .string(let text):
            name = text
            advance()
        case .word(let word):
            report("rule names are written in quotes", at: current, hint: "write 'rule \"\(word)\" {'")
            name = word
            advance()
        default:
            report("expected a quoted rule name after 'rule', found \(current.kind.displayName)", at: current)
            if current.kind == .invalid { advance() }
        }
        if current.kind == .leftBrace {
            advance()
        } else {
            report("expected '{' after the rule name, found \(current.kind.displayName)", at: current)
            if !isAtClauseKeyword {
                skipToDeclaration()
                return nil
            }
        }
        var clauses: [ClauseSyntax] = []
        var broken = Set<Keyword>()
        var end = previousEnd
        bodyLoop: while true {
            panicking = false
            switch current.kind {
            case .rightBrace:
                end = advance().range.upperBound
                break bodyLoop
            case .endOfFile, .keyword(.rule), .keyword(.segment), .keyword(.journey):
                report(
                    "expected '}' to close rule '\(name ?? "")'", at: current,
                    hint: "the rule started at line \(file.line(of: keyword.range.lowerBound))")
                break bodyLoop
            case .keyword(let clauseKeyword) where Keyword.clauseKeywords.contains(clauseKeyword):
                if let clause = parseClause(clauseKeyword) { clauses.append(clause) } else { broken.insert(clauseKeyword) }
                end = previousEnd
                if !isAtClauseBoundary && !(isFirstOnLine(current) && !panicking) {
                    if !panicking { broken.insert(clauseKeyword) }
                    report(
                        "unexpected \(current.kind.displayName) after the '\(clauseKeyword.rawValue)' clause",
                        at: current, hint: clauseKeyword == .when ? "join conditions with 'and' or 'or'" : nil)
                    skipClause()
                }
            case .word(let word):
                let suggestion = EditDistance.suggestion(
                    for: word, among: Keyword.clauseKeywords.map(\.rawValue) + ["hours"])
                if let suggestion, let keyword = Keyword(rawValue: suggestion == "hours" ? "quiet" : suggestion) {
                    broken.insert(keyword)
                }
                report(
                    "unknown clause '\(word)'", at: current,
                    hint: suggestion.map { "did you mean '\($0 == "hours" ? "quiet hours" : $0)'?" }
                        ?? "clauses are description, when, send, limit, holdout, quiet hours, priority, active, purpose and coupon")
                skipClause()
            case .keyword(let journeyKeyword) where Keyword.anyClauseKeywords.contains(journeyKeyword):
                report(
                    "'\(journeyKeyword.rawValue)' belongs inside a journey", at: advance(),
                    hint: "a rule sends one message; write a journey for a sequence of steps")
                skipClauseAndBraces()
            default:
                report("expected a clause such as 'when' or 'send', found \(current.kind.displayName)", at: current)
                skipClause()
            }
        }
        guard let name else { return nil }
        return RuleDeclaration(
            name: name, nameRange: nameRange, clauses: clauses, brokenClauses: broken,
            range: keyword.range.lowerBound..<max(end, nameRange.upperBound))
    }

    // MARK: Token access and recovery

    var current: Token { tokens[position] }

    func peek(_ offset: Int) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    var previousEnd: Int { position > 0 ? tokens[position - 1].range.upperBound : 0 }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func isOnSameLine(_ a: Int, _ b: Int) -> Bool {
        file.line(of: a) == file.line(of: b)
    }

    /// Whether the current token is the first on its line.
    func isFirstOnLine(_ token: Token) -> Bool {
        position == 0 || !isOnSameLine(tokens[position - 1].range.upperBound, token.range.lowerBound)
    }

    /// Reports at a token unless the parser is recovering or the lexer already reported the token.
    ///
    /// An "expected …" message whose token is on a later line points just after the previous
    /// token instead, where the missing piece belongs.
    mutating func report(_ message: String, at token: Token, hint: String? = nil) {
        if token.kind == .invalid {
            panicking = true
            return
        }
        let range: Range<Int>
        let saysWhatWasExpected = message.hasPrefix("expected")
        if token.kind == .endOfFile
            || (saysWhatWasExpected && position > 0 && !isOnSameLine(previousEnd, token.range.lowerBound))
        {
            // Something is missing: point just after what came before, on the line where it is missing.
            let end = previousEnd
            range = end..<end
        } else {
            range = token.range
        }
        report(message, at: range, hint: hint)
    }

    mutating func report(_ message: String, at range: Range<Int>, hint: String? = nil) {
        guard !panicking else { return }
        panicking = true
        diagnostics.error(message, in: file, at: range, hint: hint)
    }

    var isAtDeclarationBoundary: Bool {
        switch current.kind {
        case .endOfFile, .keyword(.rule), .keyword(.segment), .keyword(.journey): true
        default: false
        }
    }

    /// At a keyword that begins a clause of a rule, a journey or a step.
    var isAtClauseKeyword: Bool {
        if case .keyword(let keyword) = current.kind { return Keyword.anyClauseKeywords.contains(keyword) }
        return false
    }

    var isAtClauseBoundary: Bool {
        isAtDeclarationBoundary || isAtClauseKeyword || current.kind == .rightBrace
    }

    /// Skips up to the next `rule`, `journey` or `segment`.
    mutating func skipToDeclaration() {
        while !isAtDeclarationBoundary { advance() }
    }

    /// Skips up to the next clause keyword, `}`, `rule`, `journey` or `segment`.
    mutating func skipClause() {
        while !isAtClauseBoundary { advance() }
    }
}
