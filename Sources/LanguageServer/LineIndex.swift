/// Converts between byte offsets in a UTF-8 text and LSP positions (0-based line, UTF-16 unit).
///
/// Lines end at `\n`; a `\r` before it belongs to the line ending. Positions past the end of a
/// line or of the text are clamped, never trapped on.
struct LineIndex {
    let bytes: [UInt8]
    private let lineStarts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(offset + 1)
        }
        lineStarts = starts
    }

    var lineCount: Int { lineStarts.count }

    /// The LSP position of a byte offset (an offset inside a multi-byte character counts the
    /// character as started).
    func position(of offset: Int) -> (line: Int, character: Int) {
        let clamped = min(max(offset, 0), bytes.count)
        let line = lineIndex(containing: clamped)
        var units = 0
        var index = lineStarts[line]
        while index < clamped {
            units += Self.utf16Units(leadingByte: bytes[index])
            index += 1
        }
        return (line, units)
    }

    /// The byte offset of an LSP position, clamped to the line's end (before `\r\n`).
    func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        let end = lineEnd(line)
        var index = lineStarts[line]
        var units = 0
        while index < end {
            let width = Self.utf16Units(leadingByte: bytes[index])
            if width > 0 && units + width > character { break }
            units += width
            index += 1
        }
        // Step over continuation bytes so the offset never splits a character.
        while index < end && bytes[index] & 0xC0 == 0x80 { index += 1 }
        return index
    }

    /// The byte range of line `line` without its line ending.
    func lineRange(_ line: Int) -> Range<Int> {
        guard line >= 0 && line < lineStarts.count else { return bytes.count..<bytes.count }
        return lineStarts[line]..<lineEnd(line)
    }

    private func lineEnd(_ line: Int) -> Int {
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        if end > lineStarts[line] && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return end
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

    /// UTF-16 code units of the character a byte begins; 0 for a continuation byte.
    private static func utf16Units(leadingByte byte: UInt8) -> Int {
        switch byte {
        case 0x80..<0xC0: 0
        case 0xF0...: 2
        default: 1
        }
    }
}
