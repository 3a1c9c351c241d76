/// One rule file: its name, its text as UTF-8 bytes, and the line table that turns byte offsets
/// into `line:column`.
///
/// Invalid UTF-8 never stops reading: each bad byte is replaced by U+FFFD (three bytes) and its
/// position is kept in `invalidUTF8Offsets`, so the lexer can report it once and stay quiet after.
/// Columns count grapheme clusters (Swift `Character`s) from 1; a tab counts as one column.
public final class SourceFile: Sendable {
    /// The path as the user should see it, e.g. `rules/winback.rules`.
    public let name: String
    /// The text as valid UTF-8 (invalid sequences replaced by U+FFFD).
    public let bytes: [UInt8]
    /// Stable 64-bit FNV-1a hash of the file's original bytes, as 16 lowercase hex digits.
    public let contentHash: String
    /// Byte offsets (in `bytes`) of each U+FFFD that replaced invalid input.
    public let invalidUTF8Offsets: [Int]
    /// Byte offset where each line starts; line 1 starts at 0.
    let lineStarts: [Int]

    /// Reads `contents` as UTF-8, repairing invalid sequences.
    public init(name: String, contents: [UInt8]) {
        self.name = name
        self.contentHash = FNV1a.hexDigest(of: contents)
        let (repaired, invalid) = UTF8Repair.repair(contents)
        self.bytes = repaired
        self.invalidUTF8Offsets = invalid
        self.lineStarts = repaired.withUnsafeBufferPointer { buffer in
            var starts = [0]
            for offset in 0..<buffer.count where buffer[offset] == UInt8(ascii: "\n") {
                starts.append(offset + 1)
            }
            return starts
        }
    }

    public convenience init(name: String, text: String) {
        self.init(name: name, contents: Array(text.utf8))
    }

    /// The 1-based line and column of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = min(max(offset, 0), bytes.count)
        let lineIndex = self.lineIndex(containing: clamped)
        let start = lineStarts[lineIndex]
        return SourceLocation(line: lineIndex + 1, column: characterCount(start..<clamped) + 1)
    }

    /// The 1-based line of a byte offset (cheaper than `location(of:)` on long lines).
    public func line(of offset: Int) -> Int {
        lineIndex(containing: min(max(offset, 0), bytes.count)) + 1
    }

    /// The byte range of the line holding `offset`, without its line break.
    public func lineRange(containing offset: Int) -> Range<Int> {
        let index = lineIndex(containing: min(max(offset, 0), bytes.count))
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return start..<end
    }

    /// The text of a byte range.
    public func text(_ range: Range<Int>) -> String {
        let clamped = min(max(range.lowerBound, 0), bytes.count)..<min(max(range.upperBound, 0), bytes.count)
        return String(decoding: bytes[clamped], as: UTF8.self)
    }

    private func lineIndex(containing offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Grapheme clusters in a byte range. Left to the (optimised) standard library, which counts
    /// an all-ASCII string in constant time after validating it: this runs on megabyte lines.
    private func characterCount(_ range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self).count
        }
    }
}

/// A 1-based line and column; columns count grapheme clusters.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public var description: String { "\(line):\(column)" }
}
