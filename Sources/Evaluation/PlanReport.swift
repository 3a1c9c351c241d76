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
    /// What each journey would do (a rehearsed tick: see `Outbox.tick(rehearse:)`); nil when
    /// there are none or they were not asked for.
    public var journeys: [JourneyPlan]?

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
        /// For a rule with variants: each variant's weight and how many of `wouldSend` go to it.
        public var variants: [VariantPlan]? = nil
        /// The recorded A/B winner, to which every new send goes.
        public var winner: String? = nil
    }

    public struct VariantPlan: Codable, Sendable, Equatable {
        public var variant: String
        /// The weight in percent, as written (or the equal share).
        public var weight: Double
        public var wouldSend: Int
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var matched: Int
        public var wouldSend: Int
    }

    enum CodingKeys: String, CodingKey {
        case at, timeZone = "time_zone", rules, totals, journeys
    }

    public init(at: Int64, timeZone: TimeZone, tallies: [RuleTally], ruleSet: RuleSet, winners: [String: String] = [:]) {
        self.at = InstantText.utc(at)
        self.timeZone = timeZone.identifier
        self.rules = tallies.compactMap { tally in
            guard let rule = ruleSet.rule(named: tally.rule) else { return nil }
            return RulePlan(
                rule: rule.name, description: rule.description, file: rule.filePath, contentHash: rule.contentHash,
                channel: rule.channel.rawValue, target: rule.target, priority: rule.priority, active: tally.active,
                matched: tally.matched, wouldSend: tally.wouldSend,
                skipped: Dictionary(uniqueKeysWithValues: SkipReason.allCases.map { ($0.rawValue, tally.skipped[$0] ?? 0) }),
                sample: tally.sample,
                variants: rule.variants.isEmpty ? nil : zip(rule.variants, tally.variantCounts).map {
                    VariantPlan(variant: $0.target, weight: Double($0.weightBasisPoints) / 100, wouldSend: $1)
                },
                winner: rule.variants.contains { $0.target == winners[rule.name] } ? winners[rule.name] : nil)
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
        case wouldSend = "would_send", skipped, sample, variants, winner
    }
}

extension PlanReport.VariantPlan {
    enum CodingKeys: String, CodingKey {
        case variant, weight, wouldSend = "would_send"
    }
}

extension PlanReport.Totals {
    enum CodingKeys: String, CodingKey {
        case matched, wouldSend = "would_send"
    }
}
