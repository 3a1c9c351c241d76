import Foundation

extension Report {
    /// A rule's variants in `report --json`: each variant, each against the holdout and against
    /// each other, and the recorded winner; nil for a rule without variants.
    func variantsDocument(_ rule: RuleReport) -> VariantsDocument? {
        guard !rule.variants.isEmpty else { return nil }
        return VariantsDocument(
            groups: rule.variants.map { variant in
                let test = rule.conversion(of: variant)
                let verdict = LiftVerdict(test)
                var reason: String?
                if case .notEnoughData(let why) = verdict { reason = why }
                return VariantDocument(
                    variant: variant.variant, recipients: GroupDocument(variant.recipients), pending: variant.pending,
                    againstHoldout: ComparisonDocument(
                        absoluteLift: test.absoluteLift.map(Self.rounded), pValue: test.pValue.map { Self.rounded($0, places: 8) },
                        verdict: verdict.code, verdictText: verdict.text, verdictReason: reason))
            },
            comparisons: rule.variantComparisons.map { comparison in
                PairDocument(
                    first: comparison.first.variant, second: comparison.second.variant,
                    comparison: ComparisonDocument(
                        absoluteLift: comparison.test.absoluteLift.map(Self.rounded),
                        pValue: comparison.pValue.map { Self.rounded($0, places: 8) }, verdict: comparison.code,
                        verdictText: comparison.verdict, verdictReason: comparison.notEnoughData))
            },
            winner: rule.winner.map { WinnerDocument(variant: $0.variant, decidedAt: Self.utc($0.decidedAt), figures: $0.figures) })
    }

    struct VariantsDocument: Encodable {
        var groups: [VariantDocument]
        var comparisons: [PairDocument]
        var winner: WinnerDocument?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(groups, forKey: .groups)
            try container.encode(comparisons, forKey: .comparisons)
            try container.encode(winner, forKey: .winner)  // null until decided
        }

        enum CodingKeys: String, CodingKey { case groups, comparisons, winner }
    }

    struct VariantDocument: Encodable {
        var variant: String
        var recipients: GroupDocument
        var pending: Int
        var againstHoldout: ComparisonDocument

        enum CodingKeys: String, CodingKey { case variant, recipients, pending, againstHoldout = "against_holdout" }
    }

    struct PairDocument: Encodable {
        var first: String
        var second: String
        /// `first` minus `second`.
        var comparison: ComparisonDocument
    }

    struct ComparisonDocument: Encodable {
        var absoluteLift: Interval?
        var pValue: Double?
        var verdict: String
        var verdictText: String
        var verdictReason: String?

        enum CodingKeys: String, CodingKey {
            case absoluteLift = "absolute_lift", pValue = "p_value", verdict, verdictText = "verdict_text"
            case verdictReason = "verdict_reason"
        }
    }

    struct WinnerDocument: Encodable {
        var variant: String
        var decidedAt: String
        /// As recorded: days, confidence, p_value and each variant's counts.
        var figures: String

        enum CodingKeys: String, CodingKey { case variant, decidedAt = "decided_at", figures }
    }
}
