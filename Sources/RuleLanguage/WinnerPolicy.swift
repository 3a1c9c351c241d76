import Foundation

/// `winner after N days at P%`: once every variant has enough recipients whose N-day window has
/// ended, and one converts better than each other at confidence P %, new sends go to it.
public struct WinnerPolicy: Sendable, Equatable {
    /// The conversion window in days: a purchase within it after the decision converts.
    public let days: Int
    /// The confidence in percent (50 ≤ P < 100), e.g. 95.
    public let confidencePercent: Decimal
    /// The whole clause.
    public let range: Range<Int>

    public init(days: Int, confidencePercent: Decimal, range: Range<Int>) {
        self.days = days
        self.confidencePercent = confidencePercent
        self.range = range
    }

    /// The confidence as a fraction: 95 % → 0.95.
    public var confidence: Double { NSDecimalNumber(decimal: confidencePercent / 100).doubleValue }
}
