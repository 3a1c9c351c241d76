/// A checked segment: a named condition.
public struct Segment: Sendable {
    public let name: String
    public let condition: Condition
    public let file: SourceFile
    public let nameRange: Range<Int>
    public let range: Range<Int>
    /// Segments this one uses directly.
    public var dependencies: [String] { condition.referencedSegments }
}
