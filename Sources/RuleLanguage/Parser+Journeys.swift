import Foundation

/// Journeys: `journey "NAME" { … }` with its own clauses, and `step "NAME" { … }` whose clauses
/// (`when`, `send`, `quiet hours`) are parsed exactly as a rule's. Recovery is the rule parser's:
/// one mistake, one diagnostic, then on at the next clause keyword or brace.
extension Parser {
    /// `journey "NAME" { CLAUSE… }`
    mutating func parseJourney() -> JourneyDeclaration? {
        let keyword = advance()
        let nameRange = current.range
        let name = parseQuotedName(of: "journey")
        if current.kind == .leftBrace {
            advance()
        } else {
            report("expected '{' after the journey name, found \(current.kind.displayName)", at: current)
            if !isAtClauseKeyword {
                skipToDeclaration()
                return nil
            }
        }
        var clauses: [JourneyClauseSyntax] = []
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
                    "expected '}' to close journey '\(name ?? "")'", at: current,
                    hint: "the journey started at line \(file.line(of: keyword.range.lowerBound))")
                break bodyLoop
            case .keyword(let clauseKeyword) where Keyword.journeyClauseKeywords.contains(clauseKeyword):
                if let clause = parseJourneyClause(clauseKeyword) { clauses.append(clause) } else { broken.insert(clauseKeyword) }
                end = previousEnd
                if !isAtClauseBoundary && !(isFirstOnLine(current) && !panicking) {
                    if !panicking { broken.insert(clauseKeyword) }
                    let joins = clauseKeyword == .enter || clauseKeyword == .exit
                    report(
                        "unexpected \(current.kind.displayName) after the '\(clauseKeyword.rawValue)' clause",
                        at: current, hint: joins ? "join conditions with 'and' or 'or'" : nil)
                    skipClauseAndBraces()
                }
            case .keyword(let misplaced) where Keyword.anyClauseKeywords.contains(misplaced):
                let (message, hint) = Self.misplacedInJourney(misplaced)
                report(message, at: advance(), hint: hint)
                skipClauseAndBraces()
            case .word(let word):
                let suggestion = EditDistance.suggestion(
                    for: word, among: Keyword.journeyClauseKeywords.map(\.rawValue))
                if let suggestion, let keyword = Keyword(rawValue: suggestion) { broken.insert(keyword) }
                report(
                    "unknown clause '\(word)' in journey '\(name ?? "")'", at: advance(),
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "journey clauses are description, enter when, exit when, reenter after, holdout, priority, step and wait")
                // `entr when …`: the condition belongs to the misspelt clause.
                if current.kind == .keyword(.when) { advance() }
                skipClauseAndBraces()
            default:
                report(
                    "expected a journey clause such as 'enter when' or 'step', found \(current.kind.displayName)",
                    at: current)
                skipClauseAndBraces()
            }
        }
        guard let name else { return nil }
        return JourneyDeclaration(
            name: name, nameRange: nameRange, clauses: clauses, brokenClauses: broken,
            range: keyword.range.lowerBound..<max(end, nameRange.upperBound))
    }

    /// One journey clause, starting at its keyword; nil if it was malformed (and reported).
    private mutating func parseJourneyClause(_ keyword: Keyword) -> JourneyClauseSyntax? {
        let keywordToken = current
        let kind: JourneyClauseSyntax.Kind?
        switch keyword {
        case .description, .holdout, .priority:
            guard let clause = parseClause(keyword) else { return nil }
            switch clause.kind {
            case .description(let text): kind = .description(text)
            case .holdout(let percent): kind = .holdout(percent: percent)
            case .priority(let value): kind = .priority(value)
            default: kind = nil
            }
        case .enter, .exit:
            advance()
            guard current.kind == .keyword(.when) else {
                report(
                    "expected 'when' after '\(keyword.rawValue)', found \(current.kind.displayName)", at: current,
                    hint: "write '\(keyword.rawValue) when CONDITION'")
                return nil
            }
            advance()
            let condition = parseExpression()
            kind = keyword == .enter ? .enter(condition) : .exit(condition)
        case .reenter:
            kind = parseReenter()
        case .wait:
            kind = parseWait()
        case .step:
            kind = parseStep().map { .step($0) }
        default:
            kind = nil
        }
        guard let kind else { return nil }
        return JourneyClauseSyntax(
            kind: kind, keyword: keyword, keywordRange: keywordToken.range,
            range: keywordToken.range.lowerBound..<previousEnd)
    }

    /// `reenter after N days`, N ≥ 1.
    private mutating func parseReenter() -> JourneyClauseSyntax.Kind? {
        advance()
        guard current.kind == .word("after") else {
            report(
                "expected 'after' after 'reenter', found \(current.kind.displayName)", at: current,
                hint: "write e.g. 'reenter after 365 days'")
            return nil
        }
        advance()
        let daysToken = current
        guard let days = parseDays(after: "'reenter after'") else { return nil }
        guard days >= 1 else {
            report("'reenter after' needs at least 1 day", at: daysToken.range)
            return nil
        }
        return .reenter(days: days)
    }

    /// `wait N days [at HH:MM]`; `wait 0 days` only with `at`.
    private mutating func parseWait() -> JourneyClauseSyntax.Kind? {
        let start = advance().range.lowerBound
        guard let days = parseDays(after: "'wait'") else { return nil }
        var at: TimeOfDay?
        if current.kind == .word("at") {
            advance()
            guard case .time(let time) = current.kind else {
                report(
                    "expected a time (HH:MM) after 'at', found \(current.kind.displayName)", at: current,
                    hint: "write e.g. 'wait 7 days at 09:00'")
                return nil
            }
            advance()
            at = time
        }
        if days == 0 && at == nil {
            report(
                "'wait 0 days' does not wait", at: start..<previousEnd,
                hint: "wait at least 1 day, or write 'wait 0 days at HH:MM' for the next HH:MM")
            return nil
        }
        return .wait(days: days, at: at)
    }

    /// `step "NAME" { CLAUSE… }`, on one line or several.
    private mutating func parseStep() -> StepDeclaration? {
        let keyword = advance()
        let nameRange = current.range
        let name = parseQuotedName(of: "step")
        if current.kind == .leftBrace {
            advance()
        } else {
            report(
                "expected '{' after the step name, found \(current.kind.displayName)", at: current,
                hint: "write 'step \"NAME\" { send email \"TEMPLATE\" }'")
            guard case .keyword(let next) = current.kind, Keyword.stepClauseKeywords.contains(next) else { return nil }
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
            case .endOfFile, .keyword(.rule), .keyword(.segment), .keyword(.journey), .keyword(.enter), .keyword(.exit),
                .keyword(.reenter), .keyword(.step), .keyword(.wait):
                report(
                    "expected '}' to close step '\(name ?? "")'", at: current,
                    hint: "the step started at line \(file.line(of: keyword.range.lowerBound))")
                break bodyLoop
            case .keyword(let clauseKeyword) where Keyword.stepClauseKeywords.contains(clauseKeyword):
                if let clause = parseClause(clauseKeyword) { clauses.append(clause) } else { broken.insert(clauseKeyword) }
                end = previousEnd
                if !isAtClauseBoundary && !(isFirstOnLine(current) && !panicking) {
                    if !panicking { broken.insert(clauseKeyword) }
                    report(
                        "unexpected \(current.kind.displayName) after the '\(clauseKeyword.rawValue)' clause",
                        at: current, hint: clauseKeyword == .when ? "join conditions with 'and' or 'or'" : nil)
                    skipClause()
                }
            case .keyword(let misplaced) where Keyword.anyClauseKeywords.contains(misplaced):
                let (message, hint) = Self.misplacedInStep(misplaced)
                report(message, at: advance(), hint: hint)
                skipClause()
            case .word(let word):
                let suggestion = word == "hours"
                    ? word : EditDistance.suggestion(for: word, among: ["when", "send", "quiet", "hours"])
                if let suggestion, let keyword = Keyword(rawValue: suggestion == "hours" ? "quiet" : suggestion) {
                    broken.insert(keyword)
                }
                report(
                    "unknown clause '\(word)' in step '\(name ?? "")'", at: current,
                    hint: suggestion.map { "did you mean '\($0 == "hours" || $0 == "quiet" ? "quiet hours" : $0)'?" }
                        ?? "step clauses are when, send, quiet hours, purpose and coupon")
                skipClause()
            default:
                report(
                    "expected a step clause such as 'send' or 'when', found \(current.kind.displayName)", at: current)
                skipClause()
            }
        }
        guard let name else { return nil }
        return StepDeclaration(
            name: name, nameRange: nameRange, clauses: clauses, brokenClauses: broken,
            range: keyword.range.lowerBound..<max(end, nameRange.upperBound))
    }

    /// Skips up to the next clause keyword, `}`, `rule`, `journey` or `segment` outside braces, so
    /// a misspelt `stpe "x" { … }` is skipped whole instead of closing the journey at its `}`.
    mutating func skipClauseAndBraces() {
        var depth = 0
        while !isAtDeclarationBoundary {
            switch current.kind {
            case .leftBrace: depth += 1
            case .rightBrace where depth > 0: depth -= 1
            default: if depth == 0 && isAtClauseBoundary { return }
            }
            advance()
        }
    }

    /// A journey's or step's quoted name; an unquoted word is reported and taken as the name.
    private mutating func parseQuotedName(of what: String) -> String? {
        switch current.kind {
        case .string(let text):
            advance()
            return text
        case .word(let word):
            report("\(what) names are written in quotes", at: current, hint: "write '\(what) \"\(word)\" {'")
            advance()
            return word
        default:
            report("expected a quoted \(what) name after '\(what)', found \(current.kind.displayName)", at: current)
            if current.kind == .invalid { advance() }
            return nil
        }
    }

    /// The message and hint for a rule or step clause written directly in a journey.
    private static func misplacedInJourney(_ keyword: Keyword) -> (String, String?) {
        switch keyword {
        case .when:
            ("'when' alone is not a journey clause", "write 'enter when …' or 'exit when …', or put 'when' inside a step")
        case .send:
            ("'send' belongs inside a step", "write 'step \"NAME\" { send … }'")
        case .quiet:
            ("'quiet hours' belongs inside a step", "write it in each step it applies to")
        case .limit:
            ("journeys have no 'limit'", "each step is sent at most once per entry; see 'reenter after N days'")
        default:
            ("journeys have no '\(keyword.rawValue)' clause", "decide who enters with 'enter when'")
        }
    }

    /// The message and hint for a journey or rule clause written inside a step.
    private static func misplacedInStep(_ keyword: Keyword) -> (String, String?) {
        switch keyword {
        case .description, .holdout, .priority:
            ("'\(keyword.rawValue)' belongs to the journey, not to a step", "write it in the journey, outside the steps")
        case .limit:
            ("steps have no 'limit'", "each step is sent at most once per entry")
        default:
            ("steps have no '\(keyword.rawValue)' clause", "skip a step with its own 'when'")
        }
    }
}
