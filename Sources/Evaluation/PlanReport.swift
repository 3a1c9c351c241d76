import Foundation
import RuleLanguage

/// What a tick at one instant would do, per rule: the document `plan --json` prints.
///
/// Field names are stable (docs/cli.md); every skip reason is present, zero or not.
public struct PlanReport: Codable, Sendable, Equatable {
    /// The evaluation instant, ISO 8601 in UTC.
    public var at: String
    public var timeZone: String
    public var rules: [RulePlan]
    public var totals: Totals

    public struct RulePlan: Codable, Sendable, Equatable {
        public var rule: String
        public var description: String?
        public var file: String
        public var contentHash: String
        public var channel: String
        public var target: String
        public var priority: Int
        public var active: Bool
        public var matched: Int
        public var wouldSend: Int
        /// Keyed by `SkipReason` raw values.
        public var skipped: [String: Int]
        public var sample: [String]
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var matched: Int
        public var wouldSend: Int
    }

    enum CodingKeys: String, CodingKey {
        case at, timeZone = "time_zone", rules, totals
    }

    public init(at: Int64, timeZone: TimeZone, tallies: [RuleTally], ruleSet: RuleSet) {
        self.at = InstantText.utc(at)
        self.timeZone = timeZone.identifier
        self.rules = tallies.compactMap { tally in
            guard let rule = ruleSet.rule(named: tally.rule) else { return nil }
            return RulePlan(
                rule: rule.name, description: rule.description, file: rule.filePath, contentHash: rule.contentHash,
                channel: rule.channel.rawValue, target: rule.target, priority: rule.priority, active: tally.active,
                matched: tally.matched, wouldSend: tally.wouldSend,
                skipped: Dictionary(uniqueKeysWithValues: SkipReason.allCases.map { ($0.rawValue, tally.skipped[$0] ?? 0) }),
                sample: tally.sample)
        }
        self.totals = Totals(
            matched: rules.reduce(0) { $0 + $1.matched }, wouldSend: rules.reduce(0) { $0 + $1.wouldSend })
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension PlanReport.RulePlan {
    enum CodingKeys: String, CodingKey {
        case rule, description, file, contentHash = "content_hash", channel, target, priority, active, matched
        case wouldSend = "would_send", skipped, sample
    }
}

extension PlanReport.Totals {
    enum CodingKeys: String, CodingKey {
        case matched, wouldSend = "would_send"
    }
}
