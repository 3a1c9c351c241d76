import Foundation

/// Parses a test file (docs/testing-rules.md) with the rule language's lexer, reporting every
/// error it can with file:line:column; a bad item is skipped up to the next one it knows.
public struct RuleTestParser {
    let file: SourceFile
    let tokens: [Token]
    var position = 0
    var diagnostics = DiagnosticCollector()

    /// Words that begin an item inside `customer "…" { … }`.
    static let customerItems: Set<String> = [
        "email", "name", "birthday", "time", "address", "consent", "purchase", "purchases", "event", "events", "feedback", "holdout",
    ]
    /// Words that begin an item inside `test "…" { … }`.
    static let testItems: Set<String> = ["customer", "at", "time", "start", "expect"]
    /// Where to go on after an `at` without a usable instant: its expectations are skipped too.
    static let itemsAfterBadInstant: Set<String> = ["customer", "at", "time", "start"]

    /// Parses `file`; the tests parsed so far come back even when there are errors.
    public static func parse(_ file: SourceFile) -> (file: RuleTestFile, diagnostics: [Diagnostic]) {
        var parser = RuleTestParser(file: file)
        let tests = parser.parseFile()
        return (RuleTestFile(file: file, tests: tests), parser.diagnostics.diagnostics)
    }

    private init(file: SourceFile) {
        self.file = file
        var lexer = Lexer(file: file)
        lexer.allowsInstants = true
        tokens = lexer.tokenize()
        diagnostics = lexer.diagnostics
    }

    var current: Token { tokens[position] }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    /// The word (or keyword) at `token`, for a format whose words are not reserved.
    static func word(_ token: Token) -> String? {
        switch token.kind {
        case .word(let word): word
        case .keyword(let keyword): keyword.rawValue
        default: nil
        }
    }

    func isWord(_ word: String) -> Bool { Self.word(current) == word }

    /// Reports at `range`, else at the current token; never at a token the lexer already
    /// reported (`.invalid`), so a lexical error causes no second error.
    mutating func error(_ message: String, at range: Range<Int>? = nil, hint: String? = nil) {
        if range == nil && current.kind == .invalid { return }
        diagnostics.error(message, in: file, at: range ?? current.range, hint: hint)
    }

    mutating func expectWord(_ word: String, context: String) -> Bool {
        guard isWord(word) else {
            error("expected '\(word)' \(context), found \(current.kind.displayName)")
            return false
        }
        advance()
        return true
    }

    mutating func string(_ what: String) -> (String, Range<Int>)? {
        guard case .string(let text) = current.kind else {
            error("expected \(what) in double quotes, found \(current.kind.displayName)")
            return nil
        }
        let range = current.range
        advance()
        return (text, range)
    }

    mutating func moment(_ what: String) -> TestMoment? {
        switch current.kind {
        case .instant(let seconds):
            advance()
            return .instant(seconds)
        case .date(let date):
            advance()
            return .date(date)
        default:
            error(
                "expected \(what), found \(current.kind.displayName)",
                hint: "write 2025-05-12T09:00:00Z, or 2025-05-12 for midnight in the business time zone")
            return nil
        }
    }

    /// Skips to the next token that can begin an item of `items`, a `}` or the end.
    mutating func recover(to items: Set<String>) {
        if current.kind == .rightBrace { return }
        advance()
        while current.kind != .endOfFile && current.kind != .rightBrace {
            if let word = Self.word(current), items.contains(word) { return }
            advance()
        }
    }

    private mutating func parseFile() -> [RuleTest] {
        var tests: [RuleTest] = []
        while current.kind != .endOfFile {
            if isWord("test") {
                if let test = parseTest() { tests.append(test) }
            } else {
                error("expected 'test \"NAME\" { … }', found \(current.kind.displayName)")
                advance()
                while current.kind != .endOfFile && !isWord("test") { advance() }
            }
        }
        return tests
    }

    private mutating func parseTest() -> RuleTest? {
        advance()
        guard let (name, range) = string("the test's name") else {
            while current.kind != .endOfFile && !isWord("test") { advance() }
            return nil
        }
        var test = RuleTest(name: name, range: range)
        guard current.kind == .leftBrace else {
            error("expected '{' after the test's name, found \(current.kind.displayName)")
            while current.kind != .endOfFile && !isWord("test") { advance() }
            return test
        }
        advance()
        var lastAt: TestMoment?
        while current.kind != .rightBrace && current.kind != .endOfFile {
            switch Self.word(current) ?? "" {
            case "customer":
                if let customer = parseCustomer() { test.customers.append(customer) }
            case "time":
                advance()
                guard expectWord("zone", context: "after 'time'"), let (zone, range) = string("a time zone") else {
                    recover(to: Self.testItems)
                    continue
                }
                (test.timeZone, test.timeZoneRange) = (zone, range)
            case "start":
                advance()
                guard let start = moment("the instant of the first tick") else {
                    recover(to: Self.testItems)
                    continue
                }
                test.start = start
            case "at":
                advance()
                guard let at = moment("an instant after 'at'") else {
                    recover(to: Self.itemsAfterBadInstant)
                    continue
                }
                lastAt = at
                guard isWord("expect") else {
                    error("expected 'expect' after the instant, found \(current.kind.displayName)")
                    recover(to: Self.testItems)
                    continue
                }
                while isWord("expect"), let expectation = parseExpectation(at: at) { test.expectations.append(expectation) }
            case "expect":
                guard let at = lastAt else {
                    error("an expectation needs an instant first", hint: "write 'at 2025-05-12T09:00:00Z expect …'")
                    recover(to: Self.testItems)
                    continue
                }
                if let expectation = parseExpectation(at: at) { test.expectations.append(expectation) }
            default:
                error(
                    "expected 'customer', 'at', 'start' or 'time zone' in a test, found \(current.kind.displayName)",
                    hint: Self.word(current).flatMap { EditDistance.suggestion(for: $0, among: Self.testItems) }.map { "did you mean '\($0)'?" })
                recover(to: Self.testItems)
            }
        }
        if current.kind == .rightBrace {
            advance()
        } else {
            error("expected '}' to close test \"\(name)\"", at: range)
        }
        return test
    }

    private mutating func parseExpectation(at: TestMoment) -> TestExpectation? {
        let start = current.range.lowerBound
        advance()
        let kind: TestExpectation.Kind
        switch Self.word(current) ?? "" {
        case "send": kind = .send
        case "skip": kind = .skip(reason: nil)
        case "holdout": kind = .holdout
        case "no":
            advance()
            guard isWord("send") else {
                error("expected 'send' after 'expect no', found \(current.kind.displayName)")
                recover(to: Self.testItems)
                return nil
            }
            kind = .noSend
        default:
            error(
                "expected 'send', 'no send', 'skip' or 'holdout' after 'expect', found \(current.kind.displayName)")
            recover(to: Self.testItems)
            return nil
        }
        advance()
        guard let (name, nameRange) = string("a rule name (or \"journey/step\")"),
            expectWord("to", context: "after the rule's name"),
            let (customer, customerRange) = string("a customer's name")
        else {
            recover(to: Self.testItems)
            return nil
        }
        var end = customerRange.upperBound
        var finalKind = kind
        var reasonRange: Range<Int>?
        if isWord("because") {
            guard case .skip = kind else {
                error("only 'expect skip' takes a reason")
                recover(to: Self.testItems)
                return nil
            }
            advance()
            guard let reason = Self.word(current) else {
                error("expected a skip reason after 'because', found \(current.kind.displayName)", hint: "for example no_consent, limit, capped")
                recover(to: Self.testItems)
                return nil
            }
            reasonRange = current.range
            end = current.range.upperBound
            finalKind = .skip(reason: reason)
            advance()
        }
        return TestExpectation(
            at: at, kind: finalKind, name: name, customer: customer, range: start..<end, nameRange: nameRange,
            customerRange: customerRange, reasonRange: reasonRange)
    }
}
