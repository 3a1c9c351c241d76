import Foundation

extension Parser {
    /// One clause, starting at its keyword; nil if it was malformed (and reported).
    mutating func parseClause(_ keyword: Keyword) -> ClauseSyntax? {
        let keywordToken = advance()
        let kind: ClauseSyntax.Kind?
        switch keyword {
        case .description: kind = parseDescription()
        case .when: kind = .when(parseExpression())
        case .send: kind = parseSend()
        case .limit: kind = parseLimit()
        case .holdout: kind = parseHoldout()
        case .quiet: kind = parseQuietHours()
        case .priority: kind = parsePriority()
        case .active: kind = parseActive()
        case .purpose: kind = parsePurpose()
        case .coupon: kind = parseCouponPool()
        case .winner: kind = parseWinner()
        default: kind = nil
        }
        guard let kind else { return nil }
        return ClauseSyntax(
            kind: kind, keyword: keyword, keywordRange: keywordToken.range,
            range: keywordToken.range.lowerBound..<previousEnd)
    }

    private mutating func parseDescription() -> ClauseSyntax.Kind? {
        guard case .string(let text) = current.kind else {
            report("expected quoted text after 'description', found \(current.kind.displayName)", at: current)
            return nil
        }
        advance()
        return .description(text)
    }

    /// `send CHANNEL "NAME"`
    private mutating func parseSend() -> ClauseSyntax.Kind? {
        guard case .word(let channel) = current.kind else {
            report(
                "expected a channel after 'send', found \(current.kind.displayName)", at: current,
                hint: "write 'send email \"TEMPLATE\"', 'send letter \"TEMPLATE\"' or 'send webhook \"ENDPOINT\"'")
            return nil
        }
        let channelRange = advance().range
        switch current.kind {
        case .string(let target):
            let targetRange = advance().range
            if current.kind == .keyword(.or) || isVariantWeight {
                return parseVariants(channel: channel, channelRange: channelRange, first: target, firstRange: targetRange)
            }
            return .send(channel: channel, channelRange: channelRange, target: target, targetRange: targetRange)
        case .word(let target):
            report("template and endpoint names are written in quotes", at: current, hint: "write \"\(target)\"")
            let targetRange = advance().range
            return .send(channel: channel, channelRange: channelRange, target: target, targetRange: targetRange)
        default:
            report(
                "expected a quoted template or endpoint name after 'send \(channel)', found \(current.kind.displayName)",
                at: current)
            return nil
        }
    }

    /// `limit once` or `limit once per N days`
    private mutating func parseLimit() -> ClauseSyntax.Kind? {
        guard current.kind == .word("once") else {
            report(
                "expected 'once' after 'limit', found \(current.kind.displayName)", at: current,
                hint: "write 'limit once' or 'limit once per 30 days'")
            return nil
        }
        advance()
        guard current.kind == .word("per") else { return .limit(.once) }
        advance()
        guard let days = parseDays(after: "'limit once per'") else { return nil }
        guard days >= 1 else {
            report("'limit once per' needs at least 1 day", at: tokens[position - 2].range)
            return nil
        }
        return .limit(.oncePer(days: days))
    }

    /// `holdout N%`
    private mutating func parseHoldout() -> ClauseSyntax.Kind? {
        guard case .number(let percent, _) = current.kind else {
            report(
                "expected a percentage after 'holdout', found \(current.kind.displayName)", at: current,
                hint: "write e.g. 'holdout 10%'")
            return nil
        }
        advance()
        guard current.kind == .percent else {
            report("expected '%' after the holdout percentage, found \(current.kind.displayName)", at: current)
            return nil
        }
        advance()
        return .holdout(percent: percent)
    }

    /// `quiet hours HH:MM-HH:MM`
    private mutating func parseQuietHours() -> ClauseSyntax.Kind? {
        let hint = "write e.g. 'quiet hours 21:00-08:00'"
        guard current.kind == .word("hours") else {
            report("expected 'hours' after 'quiet', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard case .time(let start) = current.kind else {
            report("expected a start time after 'quiet hours', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        let startRange = advance().range
        guard current.kind == .minus else {
            report("expected '-' between the quiet hours, found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard case .time(let end) = current.kind else {
            report("expected an end time after '-', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        let endRange = advance().range
        guard start != end else {
            report(
                "quiet hours start and end at the same time", at: startRange.lowerBound..<endRange.upperBound,
                hint: "leave the clause out for no quiet hours")
            return nil
        }
        return .quietHours(QuietHours(start: start, end: end))
    }

    /// `priority N`
    private mutating func parsePriority() -> ClauseSyntax.Kind? {
        guard case .number(let value, let isInteger) = current.kind, isInteger, value <= 1_000_000 else {
            report(
                "expected a whole number from 0 to 1000000 after 'priority', found \(current.kind.displayName)",
                at: current, hint: "higher priority wins when rules compete for the same customer")
            return nil
        }
        advance()
        return .priority(NSDecimalNumber(decimal: value).intValue)
    }

    /// `active from DATE until DATE`, either part optional.
    private mutating func parseActive() -> ClauseSyntax.Kind? {
        var from: CalendarDate?
        var until: CalendarDate?
        let start = current.range.lowerBound
        if current.kind == .word("from") {
            advance()
            guard case .date(let date) = current.kind else {
                report("expected a date (YYYY-MM-DD) after 'from', found \(current.kind.displayName)", at: current)
                return nil
            }
            advance()
            from = date
        }
        if current.kind == .word("until") {
            advance()
            guard case .date(let date) = current.kind else {
                report("expected a date (YYYY-MM-DD) after 'until', found \(current.kind.displayName)", at: current)
                return nil
            }
            advance()
            until = date
        }
        guard from != nil || until != nil else {
            report(
                "expected 'from' or 'until' after 'active', found \(current.kind.displayName)", at: current,
                hint: "write e.g. 'active from 2025-11-01 until 2025-12-24'")
            return nil
        }
        if let from, let until, until < from {
            report(
                "'active' ends before it starts", at: start..<previousEnd,
                hint: "\(until) is before \(from)")
            return nil
        }
        return .active(ActiveWindow(from: from, until: until))
    }

    /// A whole number of days followed by `day` or `days`.
    mutating func parseDays(after context: String) -> Int? {
        guard case .number(let value, let isInteger) = current.kind else {
            report("expected a number of days after \(context), found \(current.kind.displayName)", at: current)
            return nil
        }
        guard isInteger, value <= 100_000 else {
            report("expected a whole number of days from 0 to 100000", at: current)
            return nil
        }
        advance()
        guard current.kind == .word("days") || current.kind == .word("day") else {
            report("expected 'days' after the number, found \(current.kind.displayName)", at: current)
            return nil
        }
        advance()
        return NSDecimalNumber(decimal: value).intValue
    }
}
