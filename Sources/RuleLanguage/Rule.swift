import Foundation

/// A checked rule.
public struct Rule: Sendable {
    public let name: String
    public let description: String?
    public let condition: Condition
    public let channel: Channel
    /// The template name (email, letter) or webhook endpoint name (webhook); with variants, the
    /// first variant's.
    public let target: String
    /// `send CHANNEL "A" or "B"`: two or more variants, weights summing to 100 %; empty for one target.
    public let variants: [SendVariant]
    /// `winner after N days at P%` (only with variants).
    public let winner: WinnerPolicy?
    public let limit: SendLimit
    /// Percentage (0 ≤ p < 100) of customers held out as a control group; 0 when not given.
    public let holdoutPercent: Decimal
    public let quietHours: QuietHours?
    /// Higher wins when rules compete for the same customer; 0 when not given.
    public let priority: Int
    public let activeWindow: ActiveWindow?
    /// `purpose …`, else the channel's default (`MessagePurpose.defaultPurpose(for:)`).
    public var purpose: MessagePurpose
    /// `coupon from pool "NAME"`: each send takes one code of this pool; nil: the derived code.
    public var couponPool: String?
    public let file: SourceFile
    public let nameRange: Range<Int>
    /// From `rule` to the closing brace.
    public let range: Range<Int>

    /// Every template or endpoint the rule may send: its variants', or its one target.
    public var targets: [String] { variants.isEmpty ? [target] : variants.map(\.target) }

    /// The rule file's path as given to the loader.
    public var filePath: String { file.name }
    /// 64-bit FNV-1a of the rule file's bytes, 16 hex digits; recorded with every send.
    public var contentHash: String { file.contentHash }
}
