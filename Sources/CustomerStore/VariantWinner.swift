import GRDB

/// A rule's recorded A/B winner (`variant_winner`): from `decidedAt` on, its new sends go to
/// `variant`. Never replaced by campaignd itself; `CustomerStore.resetVariantWinner` removes it.
public struct VariantWinner: Codable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var rule: String
    public var variant: String
    /// The tick's instant (Unix seconds).
    public var decidedAt: Int64
    /// The counts and the test that decided it, as a JSON object.
    public var figures: String

    public init(rule: String, variant: String, decidedAt: Int64, figures: String) {
        self.rule = rule
        self.variant = variant
        self.decidedAt = decidedAt
        self.figures = figures
    }

    enum CodingKeys: String, CodingKey {
        case rule, variant, figures, decidedAt = "decided_at"
    }
}
