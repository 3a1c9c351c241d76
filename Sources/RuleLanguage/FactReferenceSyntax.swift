/// A fact as written: its words (`days since last purchase`), an optional quoted argument
/// (`event "cart_abandoned"`) and an optional window (`in last 30 days`, `in 0 days`).
public struct FactReferenceSyntax: Sendable {
    public let words: [String]
    public let wordsRange: Range<Int>
    public let argument: String?
    public let argumentRange: Range<Int>?
    public let window: WindowSyntax?
    public let range: Range<Int>

    public var phrase: String { words.joined(separator: " ") }
}

/// `in last N days` (a window ending now) or `in N days` (a calendar day N days from today).
public struct WindowSyntax: Sendable {
    public enum Kind: Sendable { case last, ahead }
    public let kind: Kind
    public let days: Int
    public let range: Range<Int>
}

extension FactReferenceSyntax {
    /// The reference exactly as written.
    func source(in file: SourceFile) -> String { file.text(range) }
}
