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
}

/// The customers of one rule decided in one week (Monday 00:00 in the business time zone).
public struct WeekTally: Sendable, Equatable {
    /// The week's first instant, Unix seconds (Monday 00:00 at the report's UTC offset).
    public let start: Int64
    public var recipients = GroupTally()
    public var holdout = GroupTally()

    public init(start: Int64) { self.start = start }
}
