import Foundation

/// The plain-words verdict on a rule's conversion lift.
///
/// - **not enough data** when either group has fewer than `minimumCustomers` (100) customers, or
///   when the expected number of converters or of non-converters in either group, at the pooled
///   rate, is below `minimumExpected` (5) — the usual condition for the normal approximation
///   behind the two-proportion test.
/// - **significant** when the pooled two-sided z-test gives p < 0.05: "+3.1 points, significant"
///   (or "−2.0 points, significant" when the recipients converted less).
/// - **no measurable effect** otherwise.
public enum LiftVerdict: Sendable, Equatable {
    case notEnoughData(reason: String)
    case noMeasurableEffect
    /// `lift`: the absolute difference of conversion rates, a fraction.
    case significant(lift: Double)

    public static let minimumCustomers = 100
    public static let minimumExpected = 5.0
    public static let significanceLevel = 0.05

    public init(_ test: TwoProportion) {
        for (name, customers) in [("recipients", test.treatedCustomers), ("holdout", test.holdoutCustomers)] {
            guard customers >= Self.minimumCustomers else {
                let has = Figures.count(customers, "customer")
                self = .notEnoughData(reason: "the \(name) group has \(has), at least \(Self.minimumCustomers) are needed")
                return
            }
        }
        let pooled = test.pooledRate
        for (name, customers) in [("recipients", test.treatedCustomers), ("holdout", test.holdoutCustomers)] {
            let expected = min(pooled, 1 - pooled) * Double(customers)
            guard expected >= Self.minimumExpected else {
                let what = pooled <= 0.5 ? "converters" : "non-converters"
                self = .notEnoughData(reason: String(format: "%.1f %@ expected in the %@ group, at least 5 are needed", expected, what, name))
                return
            }
        }
        guard let p = test.pValue, p < Self.significanceLevel else {
            self = .noMeasurableEffect
            return
        }
        self = .significant(lift: test.treatedRate - test.holdoutRate)
    }

    /// `not_enough_data`, `no_effect` or `significant`.
    public var code: String {
        switch self {
        case .notEnoughData: "not_enough_data"
        case .noMeasurableEffect: "no_effect"
        case .significant: "significant"
        }
    }

    /// "not enough data", "no measurable effect", "+3.1 points, significant".
    public var text: String {
        switch self {
        case .notEnoughData: "not enough data"
        case .noMeasurableEffect: "no measurable effect"
        case .significant(let lift): "\(Figures.signedPoints(lift)) points, significant"
        }
    }

    /// The text with the reason when there is not enough data:
    /// "not enough data: the holdout group has 9 customers, at least 100 are needed".
    public var sentence: String {
        if case .notEnoughData(let reason) = self { return "\(text): \(reason)" }
        return text
    }
}
