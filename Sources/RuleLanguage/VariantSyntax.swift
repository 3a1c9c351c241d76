import Foundation

/// One variant of `send CHANNEL "A" [W%] or "B" [W%] …` as written: the template or endpoint
/// name and its optional weight.
public struct VariantSyntax: Sendable {
    public let target: String
    public let targetRange: Range<Int>
    /// The percentage written after the name, if any.
    public let weight: Decimal?
    /// From the name to the `%` (the name alone without a weight).
    public let range: Range<Int>
}
