import CustomerStore

/// One journey's measurement: its entrants against the entry holdout, with the goal (or a
/// purchase) inside the window as the conversion, the same tests and verdict as a rule's, and
/// what each step recorded.
public struct JourneyReport: Sendable {
    public let journey: String
    /// Entrants not held out whose window has ended; `converted` counts the goal or a purchase.
    public let entrants: GroupTally
    /// Entrants held out at entry whose window has ended.
    public let holdout: GroupTally
    /// Of `entrants` and of `holdout`: ended `goal` inside the window.
    public let entrantsGoal: Int
    public let holdoutGoal: Int
    /// Entrants of either group whose window has not ended yet: left out of every figure.
    public let pending: Int
    /// Each step's send-log rows, in the order the steps first ran.
    public let steps: [StepTally]

    public init(
        journey: String, entrants: GroupTally, holdout: GroupTally, entrantsGoal: Int, holdoutGoal: Int, pending: Int,
        steps: [StepTally]
    ) {
        self.journey = journey
        self.entrants = entrants
        self.holdout = holdout
        self.entrantsGoal = entrantsGoal
        self.holdoutGoal = holdoutGoal
        self.pending = pending
        self.steps = steps
    }

    public var conversion: TwoProportion {
        TwoProportion(
            treatedConverted: entrants.converted, treatedCustomers: entrants.customers,
            holdoutConverted: holdout.converted, holdoutCustomers: holdout.customers)
    }

    /// Mean revenue per entrant, entrants minus holdout, in minor units, with its interval.
    public var revenueDifference: Interval? { MeanDifference.revenuePerCustomer(treated: entrants, holdout: holdout) }

    public var verdict: LiftVerdict { LiftVerdict(conversion) }
}

/// One journey step's send-log rows in the period, by status; skips by reason.
public struct StepTally: Sendable, Equatable {
    public let step: String
    /// Queued or in flight.
    public var queued = 0
    public var sent = 0
    public var failed = 0
    /// Recorded for held-out enrolments, never sent.
    public var holdout = 0
    /// Skips by reason, most frequent first (ties by reason).
    public var skipped: [(reason: String, count: Int)] = []

    public init(step: String) { self.step = step }

    public var skippedTotal: Int { skipped.reduce(0) { $0 + $1.count } }

    public static func == (a: StepTally, b: StepTally) -> Bool {
        a.step == b.step && a.queued == b.queued && a.sent == b.sent && a.failed == b.failed && a.holdout == b.holdout
            && a.skipped.elementsEqual(b.skipped) { $0.reason == $1.reason && $0.count == $1.count }
    }
}
