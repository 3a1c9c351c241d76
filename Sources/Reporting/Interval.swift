/// An estimate with its 95 % confidence interval.
public struct Interval: Sendable, Equatable, Codable {
    public var estimate: Double
    public var low: Double
    public var high: Double

    public init(estimate: Double, low: Double, high: Double) {
        self.estimate = estimate
        self.low = low
        self.high = high
    }

    /// `estimate ± margin`.
    init(estimate: Double, margin: Double) {
        self.init(estimate: estimate, low: estimate - margin, high: estimate + margin)
    }

    /// Whether `value` lies within the interval, ends included.
    public func contains(_ value: Double) -> Bool { low <= value && value <= high }

    /// Whether the interval lies wholly above or below zero.
    public var excludesZero: Bool { low > 0 || high < 0 }
}
