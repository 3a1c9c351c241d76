import Foundation

/// One clause of a rule body.
public struct ClauseSyntax: Sendable {
    public enum Kind: Sendable {
        case description(String)
        case when(ExpressionSyntax)
        /// `send CHANNEL "NAME"`: the channel word and the template or endpoint name, as written.
        case send(channel: String, channelRange: Range<Int>, target: String, targetRange: Range<Int>)
        /// `send CHANNEL "A" [W%] or "B" [W%] …`: two or more variants (`Parser+Variants`).
        case sendVariants(channel: String, channelRange: Range<Int>, variants: [VariantSyntax])
        /// `winner after N days at P%`.
        case winner(WinnerPolicy)
        case limit(SendLimit)
        case holdout(percent: Decimal)
        case quietHours(QuietHours)
        case priority(Int)
        case active(ActiveWindow)
        /// `purpose marketing` or `purpose service`: the word as written.
        case purpose(String, range: Range<Int>)
        /// `coupon from pool "NAME"`.
        case couponPool(String, range: Range<Int>)
    }

    public let kind: Kind
    public let keyword: Keyword
    /// The clause keyword's range, where "duplicate clause" is reported.
    public let keywordRange: Range<Int>
    /// The whole clause.
    public let range: Range<Int>
}
