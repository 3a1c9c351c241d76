import Foundation

/// One clause of a rule body.
public struct ClauseSyntax: Sendable {
    public enum Kind: Sendable {
        case description(String)
        case when(ExpressionSyntax)
        /// `send CHANNEL "NAME"`: the channel word and the template or endpoint name, as written.
        case send(channel: String, channelRange: Range<Int>, target: String, targetRange: Range<Int>)
        case limit(SendLimit)
        case holdout(percent: Decimal)
        case quietHours(QuietHours)
        case priority(Int)
        case active(ActiveWindow)
    }

    public let kind: Kind
    public let keyword: Keyword
    /// The clause keyword's range, where "duplicate clause" is reported.
    public let keywordRange: Range<Int>
    /// The whole clause.
    public let range: Range<Int>
}
