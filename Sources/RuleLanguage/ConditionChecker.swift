import Foundation

/// Resolves the names in one condition and checks its types, turning `ExpressionSyntax` into a
/// `Condition`.
///
/// Every error found is reported; a node that fails yields nil, and nodes above it stay quiet
/// about it, so one mistake gives one diagnostic.
struct ConditionChecker {
    let file: SourceFile
    /// Every segment name declared in any file.
    let segmentNames: Set<String>
    /// The names `received "…"` may refer to (`RuleChecker.sendNames`).
    let sendNames: Set<String>
    var diagnostics: DiagnosticCollector

    /// A condition that must be a yes/no value.
    mutating func check(_ expression: ExpressionSyntax) -> Condition? {
        let range = expression.range
        switch expression.kind {
        case .invalid:
            return nil
        case .and(let parts):
            let checked = parts.map { check($0) }
            guard checked.allSatisfy({ $0 != nil }) else { return nil }
            return Condition(.all(checked.map { $0! }), range: range)
        case .or(let parts):
            let checked = parts.map { check($0) }
            guard checked.allSatisfy({ $0 != nil }) else { return nil }
            return Condition(.any(checked.map { $0! }), range: range)
        case .not(let inner, let spelledNo):
            if spelledNo, case .operand(.fact(let reference)) = inner.kind {
                guard let resolved = resolve(reference) else { return nil }
                guard case .value(.boolean) = resolved.type else {
                    diagnostics.error(
                        "'no' needs a yes/no fact, but '\(reference.phrase)' is \(resolved.typePhrase)", in: file,
                        at: inner.range, hint: "e.g. 'no purchase in last 90 days'")
                    return nil
                }
                return Condition(.not(resolved.condition(range: inner.range)), range: range)
            }
            guard let checked = check(inner) else { return nil }
            return Condition(.not(checked), range: range)
        case .operand(.literal(let literal)):
            diagnostics.error(
                "expected a condition, found the value \(literal.value)", in: file, at: literal.range,
                hint: "compare a fact with it, e.g. 'orders >= 2'")
            return nil
        case .operand(.fact(let reference)):
            guard let resolved = resolve(reference) else { return nil }
            guard case .value(.boolean) = resolved.type else {
                let example: String
                switch resolved.type {
                case .value(.text), .textOrNumber: example = "\(reference.source(in: file)) = \"…\""
                case .value(.date): example = "\(reference.source(in: file)) >= 2025-01-01"
                default: example = "\(reference.source(in: file)) >= 1"
                }
                diagnostics.error(
                    "'\(reference.phrase)' is \(resolved.typePhrase), not a condition", in: file,
                    at: reference.range, hint: "compare it, e.g. '\(example)'")
                return nil
            }
            return resolved.condition(range: reference.range)
        case .comparison(let left, let comparison, let right):
            return checkComparison(left, comparison, right, range: range)
        case .membership(let left, let values):
            return checkMembership(left, values, range: range)
        }
    }

    // MARK: Comparisons

    /// What an operand contributes to type checking.
    private enum OperandType {
        case fact(ResolvedFact.FactType, phrase: String)
        case literal(Literal)
    }

    private mutating func operandType(_ operand: OperandSyntax) -> (Operand, OperandType)? {
        switch operand {
        case .literal(let literal):
            return (Operand(kind: .literal(literal.value), range: literal.range), .literal(literal.value))
        case .fact(let reference):
            guard let resolved = resolve(reference) else { return nil }
            switch resolved {
            case .segment(let name):
                diagnostics.error(
                    "segment '\(name)' is a yes/no condition and cannot be compared", in: file, at: reference.range,
                    hint: "use it on its own, or with 'not'")
                return nil
            case .fact(let fact, let type):
                if case .value(.boolean) = type {
                    diagnostics.error(
                        "'\(reference.phrase)' is a yes/no condition and cannot be compared", in: file,
                        at: reference.range, hint: "use it on its own, or with 'not'")
                    return nil
                }
                return (Operand(kind: .fact(fact), range: reference.range), .fact(type, phrase: reference.phrase))
            }
        }
    }

    private mutating func checkComparison(
        _ leftSyntax: OperandSyntax, _ comparison: ComparisonOperator, _ rightSyntax: OperandSyntax, range: Range<Int>
    ) -> Condition? {
        let left = operandType(leftSyntax)
        let right = operandType(rightSyntax)
        guard let (leftOperand, leftType) = left, let (rightOperand, rightType) = right else { return nil }
        guard let type = unify(leftType, rightType, range: range) else { return nil }
        if type == .text, comparison != .equal, comparison != .notEqual {
            diagnostics.error(
                "text can only be compared with '=' or '!='", in: file, at: range,
                hint: "'\(comparison.rawValue)' needs numbers, money or dates")
            return nil
        }
        return Condition(.comparison(leftOperand, comparison, rightOperand, type: type), range: range)
    }

    private mutating func checkMembership(
        _ leftSyntax: OperandSyntax, _ values: [LiteralSyntax], range: Range<Int>
    ) -> Condition? {
        guard let (operand, leftType) = operandType(leftSyntax) else { return nil }
        var type: ValueType?
        for value in values {
            guard let unified = unify(leftType, .literal(value.value), range: value.range) else { return nil }
            if let type, type != unified {
                diagnostics.error("the list mixes \(type.phrase) and \(unified.phrase)", in: file, at: value.range)
                return nil
            }
            type = unified
        }
        return Condition(.membership(operand, values.map(\.value), type: type!), range: range)
    }

    /// The type both sides are compared as, or nil after reporting a mismatch.
    private mutating func unify(_ left: OperandType, _ right: OperandType, range: Range<Int>) -> ValueType? {
        switch (left, right) {
        case (.literal, .literal):
            diagnostics.error(
                "this compares two constants", in: file, at: range, hint: "one side should be a fact, e.g. 'orders'")
            return nil
        case (.fact(let type, let phrase), .literal(let literal)), (.literal(let literal), .fact(let type, let phrase)):
            switch (type, literal) {
            case (.value(.number), .number), (.textOrNumber, .number): return .number
            case (.value(.money), .number): return .money
            case (.value(.date), .date): return .date
            case (.value(.text), .text), (.textOrNumber, .text): return .text
            default:
                var hint: String?
                if case .value(.date) = type {
                    hint = "write a date as YYYY-MM-DD, without quotes"
                } else if case .text(let text) = literal, Decimal(string: text) != nil, text.first?.isNumber == true {
                    hint = "write the number without quotes: \(text)"
                } else if case .value(.text) = type {
                    hint = "put text in double quotes"
                }
                diagnostics.error(
                    "type mismatch: '\(phrase)' is \(type.phrase) but \(literal) is \(Self.phrase(of: literal))",
                    in: file, at: range, hint: hint)
                return nil
            }
        case (.fact(let leftType, let leftPhrase), .fact(let rightType, let rightPhrase)):
            switch (leftType, rightType) {
            case (.value(let a), .value(let b)) where a == b: return a
            case (.textOrNumber, .value(let other)), (.value(let other), .textOrNumber):
                if other == .text || other == .number { return other }
            default: break
            }
            diagnostics.error(
                "type mismatch: '\(leftPhrase)' is \(leftType.phrase) but '\(rightPhrase)' is \(rightType.phrase)",
                in: file, at: range)
            return nil
        }
    }

    private static func phrase(of literal: Literal) -> String {
        switch literal {
        case .number: "a number"
        case .text: "text"
        case .date: "a date"
        }
    }

    // MARK: Names

    /// Resolves a fact reference to a built-in fact or a segment, reporting why it cannot be.
    mutating func resolve(_ reference: FactReferenceSyntax) -> ResolvedFact? {
        let phrase = reference.phrase
        if let definition = FactCatalog.definition(for: phrase) {
            return resolveFact(reference, definition)
        }
        if reference.words.count == 1, segmentNames.contains(phrase) {
            if let argumentRange = reference.argumentRange {
                diagnostics.error("segment '\(phrase)' does not take a quoted argument", in: file, at: argumentRange)
                return nil
            }
            if let window = reference.window {
                diagnostics.error("segment '\(phrase)' does not take a time window", in: file, at: window.range)
                return nil
            }
            return .segment(phrase)
        }
        if let first = reference.words.first, let transition = SegmentTransition(rawValue: first) {
            return resolveTransition(transition, reference)
        }
        if reference.words.first == "consent" {
            guard reference.words.count == 2 else {
                diagnostics.error(
                    reference.words.count == 1 ? "'consent' needs a channel" : "unknown fact '\(phrase)'", in: file,
                    at: reference.wordsRange, hint: "write 'consent email', 'consent letter' or 'consent webhook'")
                return nil
            }
            let channel = reference.words[1]
            let suggestion = EditDistance.suggestion(for: channel, among: Channel.allCases.map(\.rawValue))
            diagnostics.error(
                "unknown channel '\(channel)'", in: file, at: reference.wordsRange,
                hint: suggestion.map { "did you mean 'consent \($0)'?" } ?? "channels are email, letter and webhook")
            return nil
        }
        let factSuggestion = EditDistance.suggestion(for: phrase, among: FactCatalog.all.map(\.phrase))
        let segmentSuggestion =
            reference.words.count == 1 ? EditDistance.suggestion(for: phrase, among: segmentNames.sorted()) : nil
        var message = "unknown fact '\(phrase)'"
        if reference.words.count > 1, let first = reference.words.first,
            segmentNames.contains(first) || FactCatalog.definition(for: first) != nil
        {
            // `vip nordic`: two conditions with the `and` left out.
            diagnostics.error(
                message, in: file, at: reference.wordsRange,
                hint: "'\(first)' is a \(segmentNames.contains(first) ? "segment" : "fact"); join conditions with 'and' or 'or'")
            return nil
        }
        var suggestion = factSuggestion
        if let segmentSuggestion,
            factSuggestion == nil
                || EditDistance.distance(phrase, segmentSuggestion) < EditDistance.distance(phrase, factSuggestion!)
        {
            message = "unknown segment '\(phrase)'"
            suggestion = segmentSuggestion
        }
        diagnostics.error(
            message, in: file, at: reference.wordsRange, hint: suggestion.map { "did you mean '\($0)'?" })
        return nil
    }

    private mutating func resolveFact(_ reference: FactReferenceSyntax, _ definition: FactDefinition) -> ResolvedFact? {
        let phrase = reference.phrase
        var ok = true
        if let label = definition.argument {
            if reference.argument == nil {
                diagnostics.error(
                    "'\(phrase)' needs a quoted \(label.lowercased())", in: file, at: reference.wordsRange,
                    hint: "write \(definition.usage)")
                ok = false
            } else if reference.argument!.isEmpty {
                diagnostics.error(
                    "the \(label.lowercased()) after '\(phrase)' is empty", in: file, at: reference.argumentRange!)
                ok = false
            }
        } else if let argumentRange = reference.argumentRange {
            diagnostics.error("'\(phrase)' does not take a quoted argument", in: file, at: argumentRange)
            ok = false
        }
        let window = reference.window
        switch (definition.window, window?.kind) {
        case (.none, .some):
            diagnostics.error("'\(phrase)' does not take a time window", in: file, at: window!.range)
            ok = false
        case (.optionalLast, .some(.ahead)), (.requiredLast, .some(.ahead)):
            diagnostics.error(
                "'\(phrase)' takes a window of past days", in: file, at: window!.range,
                hint: "write '\(phrase) in last \(window!.days) days'")
            ok = false
        case (.requiredLast, .none):
            diagnostics.error(
                "'\(phrase)' needs a time window", in: file, at: reference.range,
                hint: "write e.g. '\(reference.source(in: file)) in last 30 days'")
            ok = false
        case (.requiredAhead, .none):
            diagnostics.error(
                "'\(phrase)' needs 'in N days'", in: file, at: reference.range,
                hint: "'\(phrase) in 0 days' means today")
            ok = false
        case (.requiredAhead, .some(.last)):
            diagnostics.error(
                "'\(phrase)' takes 'in N days' (N days from today), not 'in last N days'", in: file, at: window!.range)
            ok = false
        case (.optionalLast, .some(.last)), (.requiredLast, .some(.last)):
            if window!.days < 1 {
                diagnostics.error("'in last' needs at least 1 day", in: file, at: window!.range)
                ok = false
            }
        default:
            break
        }
        guard ok else { return nil }
        let fact = definition.make(reference.argument ?? "", window?.days)
        switch fact {
        case .received(let name, _), .daysSinceReceived(let name), .purchaseSinceReceived(let name):
            guard checkSendName(name, at: reference.argumentRange!) else { return nil }
        default:
            break
        }
        return .fact(fact, definition.type.map { .value($0) } ?? .textOrNumber)
    }

    /// `received "NAME"`: NAME must be a rule (or a journey step, `JOURNEY/STEP`).
    private mutating func checkSendName(_ name: String, at range: Range<Int>) -> Bool {
        guard !sendNames.contains(name) else { return true }
        let suggestion = EditDistance.suggestion(for: name, among: sendNames.sorted())
        diagnostics.error(
            name.contains("/") ? "unknown journey step '\(name)'" : "unknown rule '\(name)'", in: file, at: range,
            hint: suggestion.map { "did you mean '\($0)'?" } ?? "'received' names a rule, or a journey step as \"JOURNEY/STEP\"")
        return false
    }

    /// `entered S [in last N days]` / `left S [in last N days]`, S a segment.
    private mutating func resolveTransition(_ transition: SegmentTransition, _ reference: FactReferenceSyntax) -> ResolvedFact? {
        let word = transition.rawValue
        guard reference.words.count == 2 else {
            diagnostics.error(
                reference.words.count == 1 ? "'\(word)' needs a segment name" : "unknown fact '\(reference.phrase)'",
                in: file, at: reference.wordsRange, hint: "write e.g. '\(word) key' or '\(word) key in last 30 days'")
            return nil
        }
        let name = reference.words[1]
        // Names are ASCII, so the last word's bytes end the words' range.
        let nameRange = (reference.wordsRange.upperBound - name.utf8.count)..<reference.wordsRange.upperBound
        guard segmentNames.contains(name) else {
            let suggestion = EditDistance.suggestion(for: name, among: segmentNames.sorted())
            let isFact = FactCatalog.definition(for: name) != nil
            diagnostics.error(
                isFact ? "'\(word)' needs a segment, but '\(name)' is a built-in fact" : "unknown segment '\(name)'",
                in: file, at: nameRange,
                hint: suggestion.map { "did you mean '\($0)'?" } ?? "'\(word)' takes a segment defined with 'segment NAME = …'")
            return nil
        }
        if let argumentRange = reference.argumentRange {
            diagnostics.error("'\(word) \(name)' does not take a quoted argument", in: file, at: argumentRange)
            return nil
        }
        if let window = reference.window {
            guard window.kind == .last else {
                diagnostics.error(
                    "'\(word) \(name)' takes a window of past days", in: file, at: window.range,
                    hint: "write '\(word) \(name) in last \(window.days) days'")
                return nil
            }
            guard window.days >= 1 else {
                diagnostics.error("'in last' needs at least 1 day", in: file, at: window.range)
                return nil
            }
        }
        return .fact(.transition(transition, segment: name, inLastDays: reference.window?.days), .value(.boolean))
    }
}
