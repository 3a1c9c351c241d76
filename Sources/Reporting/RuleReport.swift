/// One rule's measurement: both groups, the tests on them, the verdict and the weekly series.
public struct RuleReport: Sendable {
    public let rule: String
    /// Customers decided to be sent (queued, in flight, sent or failed) whose window has ended.
    public let recipients: GroupTally
    /// Customers held out whose window has ended.
    public let holdout: GroupTally
    /// Customers of either group whose window has not ended yet: left out of every figure.
    public let pending: Int
    /// Per week of the decision, oldest first; only weeks with customers.
    public let weeks: [WeekTally]
    /// For a rule on a coupon pool: the codes its sends in the period hold, and their redemption.
    public var coupons: CouponTally?
    /// For a rule whose sends carry variants: each variant's recipients, ordered by name (the whole
    /// `recipients` group split by the variant of each customer's first send).
    public var variants: [VariantReport] = []
    /// The recorded winner (`winner after … at P%`), with the figures that decided it.
    public var winner: VariantWinnerRecord?

    public init(rule: String, weeks: [WeekTally], pending: Int) {
        self.rule = rule
        self.weeks = weeks
        self.pending = pending
        recipients = weeks.reduce(GroupTally()) { $0 + $1.recipients }
        holdout = weeks.reduce(GroupTally()) { $0 + $1.holdout }
    }

    public var conversion: TwoProportion {
        TwoProportion(
            treatedConverted: recipients.converted, treatedCustomers: recipients.customers,
            holdoutConverted: holdout.converted, holdoutCustomers: holdout.customers)
    }

    /// Mean revenue per customer, recipients minus holdout, in minor units, with its interval.
    public var revenueDifference: Interval? { MeanDifference.revenuePerCustomer(treated: recipients, holdout: holdout) }

    public var verdict: LiftVerdict { LiftVerdict(conversion) }

    /// A variant's recipients against the holdout (the same test as the whole rule's).
    public func conversion(of variant: VariantReport) -> TwoProportion {
        TwoProportion(
            treatedConverted: variant.recipients.converted, treatedCustomers: variant.recipients.customers,
            holdoutConverted: holdout.converted, holdoutCustomers: holdout.customers)
    }

    /// Every pair of variants, in the order of `variants` (by name): (a, b), (a, c), (b, c), …
    public var variantComparisons: [VariantComparison] {
        variants.indices.flatMap { i in
            variants.indices.filter { $0 > i }.map { VariantComparison(variants[i].count, variants[$0].count) }
        }
    }
}

/// The customers of one rule decided in one week (Monday 00:00 in the business time zone).
public struct WeekTally: Sendable, Equatable {
    /// The week's first instant, Unix seconds (Monday 00:00 at the report's UTC offset).
    public let start: Int64
    public var recipients = GroupTally()
    public var holdout = GroupTally()

    public init(start: Int64) { self.start = start }
}

/// A rule's pool codes in the report's period: held by its sends, delivered, and redeemed by a
/// purchase (the purchases import's `coupon` column).
public struct CouponTally: Sendable, Equatable {
    public var assigned: Int
    public var delivered: Int
    public var redeemed: Int

    public init(assigned: Int, delivered: Int, redeemed: Int) {
        self.assigned = assigned
        self.delivered = delivered
        self.redeemed = redeemed
    }

    /// Redeemed codes per delivered code; nil before any delivery.
    public var redemptionRate: Double? { delivered > 0 ? Double(redeemed) / Double(delivered) : nil }
}
