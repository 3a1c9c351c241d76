import Foundation
@testable import RuleLanguage

/// A compact, canonical rendering of checked conditions so tests can assert a whole tree at once:
/// `(and (not purchase[last 90]) (>= orders 2 number) consent[email])`.
extension Condition {
    var sExpression: String {
        switch kind {
        case .all(let parts): "(and " + parts.map(\.sExpression).joined(separator: " ") + ")"
        case .any(let parts): "(or " + parts.map(\.sExpression).joined(separator: " ") + ")"
        case .not(let inner): "(not \(inner.sExpression))"
        case .fact(let fact): fact.sExpression
        case .segment(let name): "segment[\(name)]"
        case .comparison(let left, let op, let right, let type):
            "(\(op.rawValue) \(left.sExpression) \(right.sExpression) \(type.rawValue))"
        case .membership(let operand, let values, let type):
            "(in \(operand.sExpression) [\(values.map(\.description).joined(separator: ", "))] \(type.rawValue))"
        }
    }
}

extension Operand {
    var sExpression: String {
        switch kind {
        case .fact(let fact): fact.sExpression
        case .literal(let literal): literal.description
        }
    }
}

extension Fact {
    var sExpression: String {
        switch self {
        case .orders(let days): days.map { "orders[last \($0)]" } ?? "orders"
        case .spent(let days): days.map { "spent[last \($0)]" } ?? "spent"
        case .purchase(let days): "purchase[last \(days)]"
        case .daysSinceLastPurchase: "days-since-last-purchase"
        case .daysSinceFirstPurchase: "days-since-first-purchase"
        case .firstPurchase: "first-purchase"
        case .lastPurchase: "last-purchase"
        case .score(let kind): kind.rawValue
        case .feedback(let kind, let days): "feedback[\(kind?.rawValue ?? "any") last \(days)]"
        case .event(let name, let days): "event[\(name) last \(days)]"
        case .birthday(let days): "birthday[in \(days)]"
        case .joined: "joined"
        case .daysSinceJoined: "days-since-joined"
        case .consent(let channel): "consent[\(channel.rawValue)]"
        case .tagged(let tag): "tagged[\(tag)]"
        case .customerField(let field): "field[\(field.rawValue)]"
        case .attribute(let name): "attribute[\(name)]"
        case .transition(let transition, let segment, let days):
            "\(transition.rawValue)[\(segment)\(days.map { " last \($0)" } ?? "")]"
        case .received(let name, let days): "received[\(name) last \(days)]"
        case .daysSinceReceived(let name): "days-since-received[\(name)]"
        case .purchaseSinceReceived(let name): "purchase-since-received[\(name)]"
        }
    }
}
