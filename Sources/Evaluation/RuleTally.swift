import RuleLanguage

/// Counts for one rule in one evaluation: what `plan` shows.
public struct RuleTally: Sendable, Equatable {
    public let rule: String
    /// False when the rule's `active from … until …` window excludes `now`; nothing is counted then.
    public let active: Bool
    /// Customers whose condition holds.
    public internal(set) var matched = 0
    /// Customers who would be sent the message now.
    public internal(set) var wouldSend = 0
    /// Matched customers not sent now, by reason (quiet hours: held, sent later).
    public internal(set) var skipped: [SkipReason: Int] = [:]
    /// The first few customers (external ids) who would be sent the message now.
    public internal(set) var sample: [String] = []
    /// Wall-clock time the rule's query and verdicts took.
    public internal(set) var duration: Duration = .zero

    init(rule: String, active: Bool) {
        self.rule = rule
        self.active = active
    }

    mutating func add(skipped counts: [Int]) {
        for (index, count) in counts.enumerated() where count > 0 {
            skipped[SkipReason.allCases[index], default: 0] += count
            matched += count
        }
    }
}
