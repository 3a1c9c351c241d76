import Foundation

/// The `winner after N days at P%` decision on counts: which variant, if any, converts better
/// than every other at confidence P.
///
/// Pure (counts in, decision out), so it can be tested on simulated experiments. The rules:
/// - every variant needs at least `minimumRecipients` (100) recipients whose window has ended,
///   and 5 expected converters and non-converters at the pooled rate (as `LiftVerdict`);
/// - the variant with the highest conversion rate wins when, against each other variant, the
///   pooled two-proportion z-test with Yates' continuity correction gives a two-sided p below
///   `(1 − P) / (k − 1)` for k variants (Bonferroni over the k − 1 comparisons it must win).
///
/// The correction makes the single-look test conservative: with equal true rates it picks a
/// variant in fewer than 1 − P of experiments despite the counts being whole numbers.
public enum VariantJudge {
    public static let minimumRecipients = 100

    /// One variant's recipients whose window has ended, and how many of them converted.
    public struct Count: Sendable, Equatable, Codable {
        public var variant: String
        public var recipients: Int
        public var converted: Int

        public init(variant: String, recipients: Int, converted: Int) {
            self.variant = variant
            self.recipients = recipients
            self.converted = converted
        }

        public var rate: Double { recipients == 0 ? 0 : Double(converted) / Double(recipients) }
    }

    public enum Decision: Sendable, Equatable {
        /// `variant` converts better than each other one; `pValue`: the largest of its comparisons'.
        case winner(variant: String, pValue: Double)
        /// No winner yet, and why.
        case undecided(reason: String)
    }

    /// The decision on `counts` (two or more variants) at `confidence` (e.g. 0.95).
    public static func decide(_ counts: [Count], confidence: Double) -> Decision {
        guard counts.count >= 2 else { return .undecided(reason: "fewer than two variants") }
        for count in counts where count.recipients < minimumRecipients {
            return .undecided(
                reason: "\"\(count.variant)\" has \(Figures.count(count.recipients, "recipient")) whose window has ended, "
                    + "at least \(minimumRecipients) are needed")
        }
        let best = counts.indices.max { counts[$0].rate < counts[$1].rate }!
        let level = (1 - confidence) / Double(counts.count - 1)
        var largest = 0.0
        for other in counts.indices where other != best {
            let comparison = VariantComparison(counts[best], counts[other])
            if let reason = comparison.notEnoughData { return .undecided(reason: reason) }
            guard let p = comparison.pValue, p < level else {
                return .undecided(
                    reason: "\"\(counts[best].variant)\" does not convert better than \"\(counts[other].variant)\" "
                        + "at \(Figures.percent(confidence))")
            }
            largest = max(largest, p)
        }
        return .winner(variant: counts[best].variant, pValue: largest)
    }

    /// The figures recorded with a winner, as a JSON object.
    public static func figures(_ counts: [Count], days: Int, confidence: Double, pValue: Double) -> String {
        struct Figures: Codable {
            var days: Int
            var confidence: Double
            var pValue: Double
            var variants: [Count]
            enum CodingKeys: String, CodingKey { case days, confidence, pValue = "p_value", variants }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Figures(days: days, confidence: confidence, pValue: pValue, variants: counts))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
