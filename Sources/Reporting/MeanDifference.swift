/// The difference of mean revenue per customer, recipients minus holdout, with Welch's interval:
/// `± t(ν) · √(s₁²/n₁ + s₀²/n₀)` with the Welch–Satterthwaite degrees of freedom ν.
public enum MeanDifference {
    /// The difference in minor units and its 95 % interval; nil while a group has fewer than 2 customers.
    public static func revenuePerCustomer(treated: GroupTally, holdout: GroupTally) -> Interval? {
        guard treated.customers > 1, holdout.customers > 1 else { return nil }
        let a = treated.revenueVariance / Double(treated.customers)
        let b = holdout.revenueVariance / Double(holdout.customers)
        let difference = treated.revenuePerCustomer - holdout.revenuePerCustomer
        guard a + b > 0 else { return Interval(estimate: difference, margin: 0) }
        let degrees = (a + b) * (a + b)
            / (a * a / Double(treated.customers - 1) + b * b / Double(holdout.customers - 1))
        return Interval(estimate: difference, margin: NormalDistribution.t95(degreesOfFreedom: degrees) * (a + b).squareRoot())
    }
}
