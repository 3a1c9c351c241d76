/// Conditions: `or` binds loosest, then `and`, then `not`/`no`, then comparisons.
///
/// ```
/// expression = and-expr { "or" and-expr }
/// and-expr   = not-expr { "and" not-expr }
/// not-expr   = "not" not-expr | "no" fact | comparison
/// comparison = "(" expression ")" | operand [ compare-op operand | "in" "(" literal { "," literal } ")" ]
/// ```
extension Parser {
    mutating func parseExpression() -> ExpressionSyntax {
        let first = parseAnd()
        guard current.kind == .keyword(.or) else { return first }
        var operands = [first]
        while current.kind == .keyword(.or) {
            advance()
            operands.append(parseAnd())
        }
        return ExpressionSyntax(kind: .or(operands), range: first.range.lowerBound..<previousEnd)
    }

    private mutating func parseAnd() -> ExpressionSyntax {
        let first = parseNot()
        guard current.kind == .keyword(.and) else { return first }
        var operands = [first]
        while current.kind == .keyword(.and) {
            advance()
            operands.append(parseNot())
        }
        return ExpressionSyntax(kind: .and(operands), range: first.range.lowerBound..<previousEnd)
    }

    private mutating func parseNot() -> ExpressionSyntax {
        switch current.kind {
        case .keyword(.not):
            guard enterNesting() else { return invalidExpression() }
            defer { depth -= 1 }
            let keyword = advance()
            let operand = parseNot()
            return ExpressionSyntax(
                kind: .not(operand, spelledNo: false), range: keyword.range.lowerBound..<previousEnd)
        case .keyword(.no):
            let keyword = advance()
            guard case .word = current.kind else {
                report(
                    "expected a fact after 'no', found \(current.kind.displayName)", at: current,
                    hint: "e.g. 'no purchase in last 90 days'")
                return invalidExpression(from: keyword.range.lowerBound)
            }
            let fact = parseFactReference()
            let operand = ExpressionSyntax(kind: .operand(.fact(fact)), range: fact.range)
            return ExpressionSyntax(kind: .not(operand, spelledNo: true), range: keyword.range.lowerBound..<previousEnd)
        default:
            return parseComparison()
        }
    }

    private mutating func parseComparison() -> ExpressionSyntax {
        if current.kind == .leftParen {
            guard enterNesting() else { return invalidExpression() }
            defer { depth -= 1 }
            let open = advance()
            let inner = parseExpression()
            if current.kind == .rightParen {
                advance()
            } else {
                if !panicking {
                    report(
                        "expected ')' to close the '(' at column \(file.location(of: open.range.lowerBound).column), found \(current.kind.displayName)",
                        at: current)
                }
            }
            if comparisonOperator != nil {
                report(
                    "a condition in parentheses cannot be compared", at: current,
                    hint: "compare a fact, e.g. 'orders >= 2'")
            }
            return inner
        }
        guard let left = parseOperand(context: "a condition") else { return invalidExpression() }
        let start = left.range.lowerBound
        if let comparison = comparisonOperator {
            advance()
            guard let right = parseOperand(context: "a value after '\(comparison.rawValue)'") else {
                return invalidExpression(from: start)
            }
            if let chained = comparisonOperator {
                report(
                    "comparisons cannot be chained", at: current,
                    hint: "write two comparisons joined by 'and' instead of '\(comparison.rawValue) … \(chained.rawValue)'")
            }
            return ExpressionSyntax(kind: .comparison(left, comparison, right), range: start..<previousEnd)
        }
        if current.kind == .keyword(.in) && peek(1).kind == .leftParen {
            advance()
            advance()
            var values: [LiteralSyntax] = []
            while true {
                guard let literal = parseLiteral() else {
                    report("expected a value in the list, found \(current.kind.displayName)", at: current)
                    return invalidExpression(from: start)
                }
                values.append(literal)
                if current.kind == .comma {
                    advance()
                    continue
                }
                guard current.kind == .rightParen else {
                    report("expected ',' or ')' in the list, found \(current.kind.displayName)", at: current)
                    return invalidExpression(from: start)
                }
                advance()
                break
            }
            return ExpressionSyntax(kind: .membership(left, values), range: start..<previousEnd)
        }
        return ExpressionSyntax(kind: .operand(left), range: left.range)
    }

    private var comparisonOperator: ComparisonOperator? {
        switch current.kind {
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .lessEqual: .lessOrEqual
        case .greater: .greater
        case .greaterEqual: .greaterOrEqual
        default: nil
        }
    }

    private mutating func parseOperand(context: String) -> OperandSyntax? {
        if let literal = parseLiteral() { return .literal(literal) }
        switch current.kind {
        case .word:
            let reference = parseFactReference()
            if current.kind == .invalid && reference.argument == nil {
                // `tagged "vip` or `tagged “vip”`: the lexer reported the argument; say nothing more.
                advance()
                panicking = true
                return nil
            }
            return .fact(reference)
        case .time:
            report("a time of day can only be used in 'quiet hours' and 'wait … at'", at: current)
        case .keyword(let keyword) where Keyword.anyClauseKeywords.contains(keyword) || keyword == .rule
            || keyword == .segment || keyword == .journey:
            report("expected \(context) before \(current.kind.displayName)", at: current)
        default:
            report("expected \(context), found \(current.kind.displayName)", at: current)
        }
        return nil
    }

    private mutating func parseLiteral() -> LiteralSyntax? {
        let value: Literal
        switch current.kind {
        case .number(let number, _): value = .number(number)
        case .string(let text): value = .text(text)
        case .date(let date): value = .date(date)
        default: return nil
        }
        return LiteralSyntax(value: value, range: advance().range)
    }

    /// `WORD { WORD } [ "ARGUMENT" ] [ "in" "last" N "days" | "in" N "days" ]`
    private mutating func parseFactReference() -> FactReferenceSyntax {
        let start = current.range.lowerBound
        var words: [String] = []
        while case .word(let word) = current.kind {
            words.append(word)
            advance()
        }
        let wordsRange = start..<previousEnd
        var argument: String?
        var argumentRange: Range<Int>?
        if case .string(let text) = current.kind {
            argument = text
            argumentRange = advance().range
        }
        var window: WindowSyntax?
        if current.kind == .keyword(.in) {
            let windowStart = current.range.lowerBound
            if peek(1).kind == .word("last") {
                advance()
                advance()
                if let days = parseDays(after: "'in last'") {
                    window = WindowSyntax(kind: .last, days: days, range: windowStart..<previousEnd)
                }
            } else if case .number = peek(1).kind {
                advance()
                if let days = parseDays(after: "'in'") {
                    window = WindowSyntax(kind: .ahead, days: days, range: windowStart..<previousEnd)
                }
            }
        }
        return FactReferenceSyntax(
            words: words, wordsRange: wordsRange, argument: argument, argumentRange: argumentRange, window: window,
            range: start..<previousEnd)
    }

    private mutating func enterNesting() -> Bool {
        guard depth < Self.maximumNestingDepth else {
            report(
                "condition is nested too deeply", at: current,
                hint: "at most \(Self.maximumNestingDepth) levels of parentheses and 'not'")
            return false
        }
        depth += 1
        return true
    }

    private func invalidExpression(from start: Int? = nil) -> ExpressionSyntax {
        let lower = start ?? current.range.lowerBound
        return ExpressionSyntax(kind: .invalid, range: lower..<max(lower, previousEnd))
    }
}
