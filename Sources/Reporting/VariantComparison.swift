import Foundation

/// Two variants of a rule against each other: the difference of conversion rates with its 95 %
/// interval, and the pooled two-proportion z-test with Yates' continuity correction
/// (`z = (|p₁ − p₂| − ½(1/n₁ + 1/n₂)) / √(p(1−p)(1/n₁ + 1/n₂))`, two-sided), the test
/// `VariantJudge` decides a winner with.
public struct VariantComparison: Sendable, Equatable {
    public let first: VariantJudge.Count
    public let second: VariantJudge.Count

    public init(_ first: VariantJudge.Count, _ second: VariantJudge.Count) {
        self.first = first
        self.second = second
    }

    /// The rates as the report's two-proportion comparison (first as "treated").
    public var test: TwoProportion {
        TwoProportion(
            treatedConverted: first.converted, treatedCustomers: first.recipients,
            holdoutConverted: second.converted, holdoutCustomers: second.recipients)
    }

    /// Why the comparison cannot be judged yet (too few recipients or expected converters), or nil.
    public var notEnoughData: String? {
        for count in [first, second] where count.recipients < VariantJudge.minimumRecipients {
            return "\"\(count.variant)\" has \(Figures.count(count.recipients, "recipient")), at least \(VariantJudge.minimumRecipients) are needed"
        }
        let pooled = test.pooledRate
        for count in [first, second] {
            let expected = min(pooled, 1 - pooled) * Double(count.recipients)
            if expected < LiftVerdict.minimumExpected {
                return String(format: "%.1f %@ expected for \"%@\", at least 5 are needed", expected,
                              pooled <= 0.5 ? "converters" : "non-converters", count.variant)
            }
        }
        return nil
    }

    /// The continuity-corrected two-sided p-value; nil while a group is empty or the pooled rate is 0 or 1.
    public var pValue: Double? {
        guard first.recipients > 0, second.recipients > 0 else { return nil }
        let p = test.pooledRate
        let inverse = 1 / Double(first.recipients) + 1 / Double(second.recipients)
        let standardError = (p * (1 - p) * inverse).squareRoot()
        guard standardError > 0 else { return nil }
        let z = max(0, abs(first.rate - second.rate) - inverse / 2) / standardError
        return NormalDistribution.twoSidedPValue(z)
    }

    /// At the 95 % level: `"a" converts better: +4.0 points, significant`, `no measurable difference`,
    /// or `not enough data: …`.
    public var verdict: String {
        if let reason = notEnoughData { return "not enough data: \(reason)" }
        guard let p = pValue, p < LiftVerdict.significanceLevel else { return "no measurable difference" }
        let (better, worse) = first.rate >= second.rate ? (first, second) : (second, first)
        return "\"\(better.variant)\" converts better: \(Figures.signedPoints(better.rate - worse.rate)) points, significant"
    }

    /// `not_enough_data`, `no_difference` or `significant`.
    public var code: String {
        if notEnoughData != nil { return "not_enough_data" }
        guard let p = pValue, p < LiftVerdict.significanceLevel else { return "no_difference" }
        return "significant"
    }
}
