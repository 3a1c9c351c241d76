/// One variant of a rule in the report: its recipients whose window has ended, and those still in it.
public struct VariantReport: Sendable, Equatable {
    public let variant: String
    public var recipients = GroupTally()
    /// Recipients whose window has not ended: left out of every figure.
    public var pending = 0

    public init(variant: String) { self.variant = variant }

    /// The counts `VariantJudge` and `VariantComparison` take.
    public var count: VariantJudge.Count {
        VariantJudge.Count(variant: variant, recipients: recipients.customers, converted: recipients.converted)
    }
}
