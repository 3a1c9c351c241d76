import Foundation
import RuleLanguage

/// One customer, every rule: what `explain` prints.
public struct Explanation: Sendable {
    public let customer: String
    public let name: String?
    public let timeZone: String?
    public let at: Int64
    public let rules: [RuleExplanation]

    /// The text `explain` prints: per rule, each condition with ✓ or ✗ and the values, then
    /// the verdict.
    public func text(businessTimeZone: TimeZone) -> String {
        var out = "customer \(customer)\(name.map { " (\($0))" } ?? ""), time zone \(timeZone ?? "\(businessTimeZone.identifier) (business)")\n"
        out += "at \(InstantText.utc(at)), \(InstantText.local(at, in: businessTimeZone))\n"
        for rule in rules {
            let targets = rule.rule.targets.map { "\"\($0)\"" }.joined(separator: " or ")
            out += "\nrule \"\(rule.rule.name)\" → \(rule.rule.channel.rawValue) \(targets) (\(rule.rule.filePath):\(rule.rule.file.location(of: rule.rule.range.lowerBound).line))\n"
            for line in rule.lines {
                let indent = String(repeating: "  ", count: line.depth + 1)
                out += "\(indent)\(line.holds ? "✓" : "✗") \(line.text)\(line.values.isEmpty ? "" : "   [\(line.values)]")\n"
            }
            out += "  → \(rule.outcome): \(rule.reason)\n"
            if let variant = rule.variant {
                let why = rule.variantIsWinner ? "the recorded winner: every new send goes to it" : "stable split by customer"
                out += "  variant \"\(variant)\" (\(why))\n"
            }
        }
        return out
    }
}

/// One rule for one customer.
public struct RuleExplanation: Sendable {
    public let rule: Rule
    public let active: Bool
    /// Whether the rule's condition holds for the customer.
    public let matched: Bool
    public let lines: [ExplanationLine]
    /// The evaluator's verdict (nil when the condition does not hold or the rule is inactive).
    public let verdict: Verdict?
    /// The verdict in words, with its reason.
    public let reason: String
    /// For a rule with variants: the one the customer would be sent.
    public private(set) var variant: String?
    /// Whether `variant` is the rule's recorded winner (else the stable split chose it).
    public private(set) var variantIsWinner = false

    init(rule: Rule, active: Bool, matched: Bool, lines: [ExplanationLine], verdict: Verdict?, reason: String) {
        self.rule = rule
        self.active = active
        self.matched = matched
        self.lines = lines
        self.verdict = verdict
        self.reason = reason
    }

    func with(variant: (name: String, isWinner: Bool)?) -> RuleExplanation {
        var copy = self
        copy.variant = variant?.name
        copy.variantIsWinner = variant?.isWinner ?? false
        return copy
    }

    /// `send`, `held`, `holdout`, `skipped` or `no match`.
    public var outcome: String {
        switch verdict {
        case .send: "send"
        case .hold: "held"
        case .holdout: "holdout"
        case .skip: "skipped"
        case nil: active ? "no match" : "inactive"
        }
    }
}

/// One condition of a rule, with whether it holds and the customer's values behind it.
public struct ExplanationLine: Sendable, Equatable {
    public let depth: Int
    public let holds: Bool
    /// The condition as written in the rule file.
    public let text: String
    /// `orders = 5`, `days since last purchase = 97`, …
    public let values: String

    public init(depth: Int, holds: Bool, text: String, values: String) {
        self.depth = depth
        self.holds = holds
        self.text = text
        self.values = values
    }
}
