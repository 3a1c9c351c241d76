import Foundation

/// The two-proportion comparison of conversion rates: recipients against the holdout.
///
/// - Absolute lift `p₁ − p₀` with the unpooled Wald interval
///   `± 1.96 · √(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀)`.
/// - Relative lift `p₁/p₀ − 1` with the interval of the log rate ratio,
///   `exp(ln(p₁/p₀) ± 1.96 · √(1/x₁ − 1/n₁ + 1/x₀ − 1/n₀)) − 1`; nil while either group has no
///   conversions.
/// - Significance by the pooled z-test: `z = (p₁ − p₀) / √(p(1−p)(1/n₁ + 1/n₀))` with the pooled
///   rate `p = (x₁ + x₀)/(n₁ + n₀)`, two-sided.
public struct TwoProportion: Sendable, Equatable {
    public let treatedConverted: Int
    public let treatedCustomers: Int
    public let holdoutConverted: Int
    public let holdoutCustomers: Int

    public init(treatedConverted: Int, treatedCustomers: Int, holdoutConverted: Int, holdoutCustomers: Int) {
        self.treatedConverted = treatedConverted
        self.treatedCustomers = treatedCustomers
        self.holdoutConverted = holdoutConverted
        self.holdoutCustomers = holdoutCustomers
    }

    public var treatedRate: Double { rate(treatedConverted, treatedCustomers) }
    public var holdoutRate: Double { rate(holdoutConverted, holdoutCustomers) }
    /// Both groups' conversions over both groups' customers.
    public var pooledRate: Double { rate(treatedConverted + holdoutConverted, treatedCustomers + holdoutCustomers) }

    /// `p₁ − p₀` and its unpooled Wald interval; nil while a group is empty.
    public var absoluteLift: Interval? {
        guard treatedCustomers > 0, holdoutCustomers > 0 else { return nil }
        let p1 = treatedRate, p0 = holdoutRate
        let standardError = (p1 * (1 - p1) / Double(treatedCustomers) + p0 * (1 - p0) / Double(holdoutCustomers)).squareRoot()
        return Interval(estimate: p1 - p0, margin: NormalDistribution.z95 * standardError)
    }

    /// `p₁/p₀ − 1` and its log-ratio interval; nil while either group has no conversions.
    public var relativeLift: Interval? {
        guard treatedConverted > 0, holdoutConverted > 0 else { return nil }
        let ratio = treatedRate / holdoutRate
        let standardError = (1 / Double(treatedConverted) - 1 / Double(treatedCustomers)
            + 1 / Double(holdoutConverted) - 1 / Double(holdoutCustomers)).squareRoot()
        let margin = NormalDistribution.z95 * standardError
        return Interval(estimate: ratio - 1, low: ratio * exp(-margin) - 1, high: ratio * exp(margin) - 1)
    }

    /// The pooled z statistic; nil while a group is empty or nobody (or everybody) converted.
    public var z: Double? {
        guard treatedCustomers > 0, holdoutCustomers > 0 else { return nil }
        let p = pooledRate
        let standardError = (p * (1 - p) * (1 / Double(treatedCustomers) + 1 / Double(holdoutCustomers))).squareRoot()
        guard standardError > 0 else { return nil }
        return (treatedRate - holdoutRate) / standardError
    }

    /// The two-sided p-value of the pooled z-test.
    public var pValue: Double? { z.map(NormalDistribution.twoSidedPValue) }

    private func rate(_ count: Int, _ total: Int) -> Double { total == 0 ? 0 : Double(count) / Double(total) }
}
