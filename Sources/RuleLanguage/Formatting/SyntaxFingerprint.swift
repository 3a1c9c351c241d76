import Foundation

/// What a parsed file means, as text without source positions: two files with equal fingerprints
/// declare the same segments, rules and journeys with the same clauses.
///
/// Clauses that may be written in any order (all of a rule's and a step's, a journey's header
/// clauses) are compared as a sorted list; steps, waits and declarations in source order.
/// The clauses known today are written out explicitly (reflection is slow on large files); any
/// other clause from the syntax's own description with byte ranges blanked, so clauses added to
/// the language later are covered without changes here.
enum SyntaxFingerprint {
    static func of(_ syntax: RuleFileSyntax) -> [String] {
        var lines: [String] = []
        for declaration in syntax.declarations {
            switch declaration {
            case .segment(let segment):
                lines.append("segment \(segment.name) = \(condition(segment.condition))")
            case .rule(let rule):
                lines.append("rule \(rule.name.debugDescription)")
                lines += rule.clauses.map { ruleClause($0.kind) }.sorted()
            case .journey(let journey):
                lines.append("journey \(journey.name.debugDescription)")
                let keywords = journey.clauses.map(\.keyword.rawValue)
                lines += journey.clauses.indices.filter { ClauseOrder.journeyHeader[keywords[$0]] != nil }
                    .map { journeyClauseText(journey.clauses[$0].kind) }.sorted()
                for clause in journey.clauses where ClauseOrder.journeyHeader[clause.keyword.rawValue] == nil {
                    if case .step(let step) = clause.kind {
                        lines.append("step \(step.name.debugDescription)")
                        lines += step.clauses.map { ruleClause($0.kind) }.sorted()
                    } else {
                        lines.append(journeyClauseText(clause.kind))
                    }
                }
            }
            lines.append("end")
        }
        return lines
    }

    private static func ruleClause(_ kind: ClauseSyntax.Kind) -> String {
        if case .when(let expression) = kind { return "when " + condition(expression) }
        if case .description(let text) = kind { return "description " + text.debugDescription }
        if case .send(let channel, _, let target, _) = kind { return "send \(channel) \(target.debugDescription)" }
        if case .limit(let limit) = kind { return "limit \(limit)" }
        if case .holdout(let percent) = kind { return "holdout \(percent)" }
        if case .quietHours(let hours) = kind { return "quiet \(hours.start)-\(hours.end)" }
        if case .priority(let value) = kind { return "priority \(value)" }
        if case .active(let window) = kind {
            return "active \(window.from.map { "\($0)" } ?? "-") \(window.until.map { "\($0)" } ?? "-")"
        }
        return describe(kind)
    }

    private static func journeyClauseText(_ kind: JourneyClauseSyntax.Kind) -> String {
        if case .enter(let expression) = kind { return "enter " + condition(expression) }
        if case .exit(let expression) = kind { return "exit " + condition(expression) }
        if case .description(let text) = kind { return "description " + text.debugDescription }
        if case .reenter(let days) = kind { return "reenter \(days)" }
        if case .holdout(let percent) = kind { return "holdout \(percent)" }
        if case .priority(let value) = kind { return "priority \(value)" }
        if case .wait(let days, let at) = kind { return "wait \(days) \(at.map { "\($0)" } ?? "-")" }
        return describe(kind)
    }

    static func condition(_ expression: ExpressionSyntax) -> String {
        var text = ""
        write(expression, to: &text)
        return text
    }

    private static func write(_ expression: ExpressionSyntax, to text: inout String) {
        switch expression.kind {
        case .and(let parts), .or(let parts):
            if case .and = expression.kind { text += "(and" } else { text += "(or" }
            for part in parts {
                text += " "
                write(part, to: &text)
            }
            text += ")"
        case .not(let inner, let spelledNo):
            text += spelledNo ? "(no " : "(not "
            write(inner, to: &text)
            text += ")"
        case .comparison(let left, let comparison, let right):
            text += "(\(comparison.rawValue) \(operand(left)) \(operand(right)))"
        case .membership(let left, let values):
            text += "(in \(operand(left)) [\(values.map(\.value.description).joined(separator: ", "))])"
        case .operand(let value):
            text += operand(value)
        case .invalid:
            text += "invalid"
        }
    }

    private static func operand(_ operand: OperandSyntax) -> String {
        switch operand {
        case .literal(let literal):
            return literal.value.description
        case .fact(let fact):
            var text = "[" + fact.words.joined(separator: " ")
            if let argument = fact.argument { text += " " + argument.debugDescription }
            if let window = fact.window { text += " in \(window.kind == .last ? "last " : "")\(window.days)" }
            return text + "]"
        }
    }

    /// `String(describing:)` with every `12..<20` replaced by `_`.
    private static func describe(_ value: Any) -> String {
        let bytes = Array(String(describing: value).utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        func digits(from start: Int) -> Int {
            var end = start
            while end < bytes.count && bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9") { end += 1 }
            return end
        }
        var index = 0
        while index < bytes.count {
            let lowerEnd = digits(from: index)
            if lowerEnd > index && bytes[lowerEnd...].starts(with: "..<".utf8) {
                let upperEnd = digits(from: lowerEnd + 3)
                if upperEnd > lowerEnd + 3 {
                    result.append(UInt8(ascii: "_"))
                    index = upperEnd
                    continue
                }
            }
            result += bytes[index..<max(lowerEnd, index + 1)]
            index = max(lowerEnd, index + 1)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
