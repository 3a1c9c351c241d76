import Foundation

/// Variants of a send (`send email "a" 70% or "b" 30%`) and `winner after N days at P%`: kept
/// apart from `Parser+Clauses` so other clauses can grow beside them.
extension Parser {
    /// Whether a number followed by `%` comes next: a variant's weight.
    var isVariantWeight: Bool {
        if case .number = current.kind, peek(1).kind == .percent { return true }
        return false
    }

    /// The variants after `send CHANNEL "FIRST"`: an optional weight, then `or "NAME" [W%]` any
    /// number of times. A single name with a weight is one variant (the checker reports it).
    mutating func parseVariants(
        channel: String, channelRange: Range<Int>, first: String, firstRange: Range<Int>
    ) -> ClauseSyntax.Kind? {
        var variants = [variant(first, firstRange)]
        while current.kind == .keyword(.or) {
            advance()
            switch current.kind {
            case .string(let target):
                let range = advance().range
                variants.append(variant(target, range))
            case .word(let target):
                report("template and endpoint names are written in quotes", at: current, hint: "write \"\(target)\"")
                let range = advance().range
                variants.append(variant(target, range))
            default:
                report(
                    "expected a quoted template or endpoint name after 'or', found \(current.kind.displayName)",
                    at: current, hint: "write e.g. 'send email \"winback-a\" or \"winback-b\"'")
                return nil
            }
        }
        return .sendVariants(channel: channel, channelRange: channelRange, variants: variants)
    }

    /// A variant named `target` and its weight, if one follows.
    private mutating func variant(_ target: String, _ targetRange: Range<Int>) -> VariantSyntax {
        guard isVariantWeight, case .number(let weight, _) = current.kind else {
            return VariantSyntax(target: target, targetRange: targetRange, weight: nil, range: targetRange)
        }
        advance()
        let percent = advance()
        return VariantSyntax(
            target: target, targetRange: targetRange, weight: weight, range: targetRange.lowerBound..<percent.range.upperBound)
    }

    /// `winner after N days at P%`
    mutating func parseWinner() -> ClauseSyntax.Kind? {
        let hint = "write e.g. 'winner after 14 days at 95%'"
        let start = tokens[position - 1].range.lowerBound
        guard current.kind == .word("after") else {
            report("expected 'after' after 'winner', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard let days = parseDays(after: "'winner after'") else { return nil }
        guard days >= 1 else {
            report("'winner after' needs at least 1 day", at: tokens[position - 2].range, hint: hint)
            return nil
        }
        guard current.kind == .word("at") else {
            report("expected 'at' and a confidence after the days, found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard case .number(let percent, _) = current.kind else {
            report("expected a confidence percentage after 'at', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        let percentRange = advance().range
        guard current.kind == .percent else {
            report("expected '%' after the confidence, found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard percent >= 50, percent < 100 else {
            report(
                "the confidence must be at least 50% and less than 100%", at: percentRange,
                hint: "95% is usual: a variant is picked only when chance alone would explain its lead 1 time in 20")
            return nil
        }
        return .winner(WinnerPolicy(days: days, confidencePercent: percent, range: start..<previousEnd))
    }
}
