import Foundation

/// `customer "NAME" { … }`: profile, consents, purchases, events, feedback and holdout pins.
extension RuleTestParser {
    mutating func parseCustomer() -> TestCustomer? {
        advance()
        guard let (name, range) = string("the customer's name") else {
            recover(to: Self.testItems)
            return nil
        }
        var customer = TestCustomer(name: name, range: range)
        guard current.kind == .leftBrace else {
            error("expected '{' after the customer's name, found \(current.kind.displayName)")
            recover(to: Self.testItems)
            return customer
        }
        advance()
        while current.kind != .rightBrace && current.kind != .endOfFile {
            if !parseCustomerItem(into: &customer) { recover(to: Self.customerItems) }
        }
        if current.kind == .rightBrace {
            advance()
        } else {
            error("expected '}' to close customer \"\(name)\"", at: range)
        }
        return customer
    }

    /// One item of a customer; false after an error (the caller skips ahead).
    private mutating func parseCustomerItem(into customer: inout TestCustomer) -> Bool {
        let itemStart = current.range
        switch Self.word(current) ?? "" {
        case "email":
            advance()
            guard let (email, _) = string("an email address") else { return false }
            customer.email = email
        case "name":
            advance()
            guard let (name, _) = string("a name") else { return false }
            customer.fullName = name
        case "birthday":
            advance()
            guard case .date(let date) = current.kind else {
                error("expected a date after 'birthday', found \(current.kind.displayName)", hint: "write 1990-05-12")
                return false
            }
            customer.birthday = date
            advance()
        case "time":
            advance()
            guard expectWord("zone", context: "after 'time'"), let (zone, range) = string("a time zone") else { return false }
            (customer.timeZone, customer.timeZoneRange) = (zone, range)
        case "address":
            advance()
            var parts: [String] = []
            for what in ["a street", "a postal code", "a city", "a country"] {
                if !parts.isEmpty && current.kind == .comma { advance() }
                guard let (part, _) = string(what) else { return false }
                parts.append(part)
            }
            customer.address = parts
        case "consent":
            advance()
            guard let channel = Self.word(current) else {
                error("expected a channel after 'consent', found \(current.kind.displayName)", hint: "email, letter or webhook")
                return false
            }
            advance()
            let granted: Bool
            switch Self.word(current) ?? "" {
            case "granted": granted = true
            case "withdrawn": granted = false
            default:
                error("expected 'granted' or 'withdrawn', found \(current.kind.displayName)")
                return false
            }
            advance()
            let atRange = current.range
            guard let at = moment("the consent's date") else { return false }
            customer.consents.append(.init(value: .init(channel: channel, granted: granted), at: at, range: itemStart.lowerBound..<atRange.upperBound))
        case "purchase", "purchases":
            advance()
            repeat {
                if current.kind == .comma { advance() }
                let start = current.range.lowerBound
                guard let at = moment("the purchase's date") else { return false }
                guard case .number(let amount, _) = current.kind else {
                    error("expected the purchase's amount, found \(current.kind.displayName)", hint: "write 2025-01-10 40.00")
                    return false
                }
                customer.purchases.append(.init(value: .init(amount: amount), at: at, range: start..<current.range.upperBound))
                advance()
            } while current.kind == .comma
        case "event", "events":
            advance()
            repeat {
                if current.kind == .comma { advance() }
                let start = current.range.lowerBound
                guard let (name, _) = string("the event's name") else { return false }
                guard let at = moment("the event's time") else { return false }
                customer.events.append(.init(value: name, at: at, range: start..<tokens[position - 1].range.upperBound))
            } while current.kind == .comma
        case "feedback":
            advance()
            repeat {
                if current.kind == .comma { advance() }
                let start = current.range.lowerBound
                guard let kind = Self.word(current) else {
                    error("expected nps, csat or ces, found \(current.kind.displayName)")
                    return false
                }
                advance()
                guard case .number(let score, isInteger: true) = current.kind else {
                    error("expected a whole score after '\(kind)', found \(current.kind.displayName)")
                    return false
                }
                advance()
                guard let at = moment("the feedback's time") else { return false }
                customer.feedback.append(.init(
                    value: .init(kind: kind, score: NSDecimalNumber(decimal: score).intValue), at: at,
                    range: start..<tokens[position - 1].range.upperBound))
            } while current.kind == .comma
        case "holdout":
            advance()
            let inside: Bool
            switch Self.word(current) ?? "" {
            case "in": inside = true
            case "out": inside = false
            default:
                error("expected 'in' or 'out' after 'holdout', found \(current.kind.displayName)")
                return false
            }
            advance()
            var name: String?
            var end = tokens[position - 1].range.upperBound
            if case .string(let text) = current.kind {
                name = text
                end = current.range.upperBound
                advance()
            }
            customer.holdoutPins.append(.init(inside: inside, name: name, range: itemStart.lowerBound..<end))
        default:
            error(
                "unknown item \(current.kind.displayName) in a customer",
                hint: Self.word(current).flatMap { EditDistance.suggestion(for: $0, among: Self.customerItems) }.map { "did you mean '\($0)'?" }
                    ?? "one of: \(Self.customerItems.sorted().joined(separator: ", "))")
            return false
        }
        return true
    }
}
