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

    init(rule: String, active: Bool) {
        self.rule = rule
        self.active = active
    }

    mutating func count(_ decision: Decision, sampleSize: Int) {
        matched += 1
        if let reason = decision.verdict.planReason {
            skipped[reason, default: 0] += 1
        } else {
            wouldSend += 1
            if sample.count < sampleSize { sample.append(decision.externalID) }
        }
    }
}
