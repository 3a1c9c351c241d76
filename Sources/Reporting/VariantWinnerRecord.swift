/// A winner as the report shows it: the variant, when it was decided, and the recorded figures
/// (JSON, as stored).
public struct VariantWinnerRecord: Sendable, Equatable {
    public let variant: String
    public let decidedAt: Int64
    public let figures: String

    public init(variant: String, decidedAt: Int64, figures: String) {
        self.variant = variant
        self.decidedAt = decidedAt
        self.figures = figures
    }
}
