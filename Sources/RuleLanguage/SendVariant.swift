import Foundation

/// One checked variant of a rule's or step's send: its template or endpoint name (which is also
/// the variant's name in the send log, `log`, `plan` and `report`) and its share of the sends.
public struct SendVariant: Sendable, Equatable {
    public let target: String
    /// The share in hundredths of a percent (70 % → 7 000); a send's variants sum to 10 000.
    public let weightBasisPoints: Int

    public init(target: String, weightBasisPoints: Int) {
        self.target = target
        self.weightBasisPoints = weightBasisPoints
    }

    /// The weight as a percentage, `70` or `33.34`.
    public var weightPercent: Decimal { Decimal(weightBasisPoints) / 100 }
}
