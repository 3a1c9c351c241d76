/// Renders diagnostics the way swift-syntax and HCL do:
///
/// ```
/// rules/winback.rules:4:8: error: unknown fact 'order'
///   4 |   when order >= 2
///     |        ^~~~~ did you mean 'orders'?
/// ```
///
/// The caret sits under the same grapheme cluster the column number counts. In the echoed line a
/// tab is expanded to the next multiple of 4 columns (in the caret line too), East Asian wide
/// characters and emoji take two cells, and control characters are shown as U+FFFD. Lines longer
/// than `maximumLineBytes` are cut down to a window around the caret, marked with `…`; so are
/// messages and labels longer than `maximumMessageCharacters` (a 10 MB name, say).
public struct DiagnosticRenderer: Sendable {
    /// Whether to emit ANSI colour codes; pass true only when writing to a terminal.
    public var colour: Bool
    static let maximumLineBytes = 240
    static let maximumMessageCharacters = 300
    static let tabWidth = 4

    public init(colour: Bool) {
        self.colour = colour
    }

    /// Every diagnostic, in order, each ending in a newline.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    /// One diagnostic with its source excerpt and notes.
    public func render(_ diagnostic: Diagnostic) -> String {
        var output = header(
            location: diagnostic.locationDescription, severity: diagnostic.severity, message: diagnostic.message)
        if let range = diagnostic.range {
            output += excerpt(file: diagnostic.file, range: range, label: diagnostic.hint)
        } else if let hint = diagnostic.hint {
            output += "  " + paint(hint, Style.caret) + "\n"
        }
        for note in diagnostic.notes {
            output += header(
                location: "\(note.file.name):\(note.file.location(of: note.range.lowerBound))",
                severity: .note, message: note.message)
            output += excerpt(file: note.file, range: note.range, label: nil)
        }
        return output
    }

    private func header(location: String, severity: Diagnostic.Severity, message: String) -> String {
        let severityStyle: String
        switch severity {
        case .error: severityStyle = Style.error
        case .warning: severityStyle = Style.warning
        case .note: severityStyle = Style.note
        }
        return paint(location + ":", Style.bold) + " " + paint(severity.rawValue + ":", severityStyle) + " "
            + paint(Self.sanitised(message), Style.bold) + "\n"
    }

    private func excerpt(file: SourceFile, range: Range<Int>, label: String?) -> String {
        let lineRange = file.lineRange(containing: range.lowerBound)
        let lineNumber = String(file.line(of: range.lowerBound))
        let start = min(max(range.lowerBound, lineRange.lowerBound), lineRange.upperBound)
        let end = min(max(range.upperBound, start), lineRange.upperBound)

        var shownStart = lineRange.lowerBound
        var shownEnd = lineRange.upperBound
        if shownEnd - shownStart > Self.maximumLineBytes {
            shownStart = Self.scalarBoundary(in: file.bytes, atOrAfter: max(shownStart, start - Self.maximumLineBytes / 3))
            shownEnd = Self.scalarBoundary(
                in: file.bytes, atOrAfter: min(shownEnd, shownStart + Self.maximumLineBytes))
        }
        let ellipsisBefore = shownStart > lineRange.lowerBound ? "…" : ""
        let ellipsisAfter = shownEnd < lineRange.upperBound ? "…" : ""

        var shown = ellipsisBefore
        var cell = ellipsisBefore.isEmpty ? 0 : 1
        var caretPadding = 0
        var caretWidth = 0
        let caretEnd = min(end, shownEnd)
        let segments = [(shownStart, start), (start, caretEnd), (caretEnd, shownEnd)]
        for (index, (segmentStart, segmentEnd)) in segments.enumerated() {
            if index == 1 { caretPadding = cell }
            let before = cell
            guard segmentStart < segmentEnd else {
                if index == 1 { caretWidth = 0 }
                continue
            }
            let text = String(decoding: file.bytes[segmentStart..<segmentEnd], as: UTF8.self)
            if Self.isPrintableASCII(file.bytes[segmentStart..<segmentEnd]) {
                // Fast path: one cell per byte.
                shown += text
                cell += segmentEnd - segmentStart
                if index == 1 { caretWidth = cell - before }
                continue
            }
            for character in text {
                if character == "\t" {
                    let width = Self.tabWidth - cell % Self.tabWidth
                    shown += String(repeating: " ", count: width)
                    cell += width
                } else {
                    shown.append(Self.isControl(character) ? "\u{FFFD}" : character)
                    cell += Self.displayWidth(character)
                }
            }
            if index == 1 { caretWidth = cell - before }
        }
        shown += ellipsisAfter

        let gutter = String(repeating: " ", count: lineNumber.count)
        var caret = "^" + String(repeating: "~", count: max(caretWidth - 1, 0))
        if let label { caret += " " + Self.sanitised(label) }
        return "  " + paint(lineNumber + " |", Style.gutter) + (shown.isEmpty ? "" : " " + shown) + "\n"
            + "  " + gutter + " " + paint("|", Style.gutter) + " " + String(repeating: " ", count: caretPadding)
            + paint(caret, Style.caret) + "\n"
    }

    private static func scalarBoundary(in bytes: [UInt8], atOrAfter offset: Int) -> Int {
        var index = offset
        while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index += 1 }
        return index
    }

    private static func isControl(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        return scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
    }

    /// The text with control characters shown as U+FFFD, and cut in the middle (`…`) when longer
    /// than `maximumMessageCharacters`, so a huge name in a message stays readable.
    static func sanitised(_ text: String) -> String {
        var text = text
        if text.utf8.count > maximumMessageCharacters {
            text = String(text.prefix(maximumMessageCharacters * 2 / 3)) + "…" + String(text.suffix(maximumMessageCharacters / 3))
        }
        if isPrintableASCII(text.utf8[...]) { return text }
        return String(text.map { isControl($0) ? "\u{FFFD}" : $0 })
    }

    /// True when every byte is printable ASCII (space to `~`), so each is one cell.
    private static func isPrintableASCII<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            buffer.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        }) {
            return result
        }
        return bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// Terminal cells a character takes: 2 for East Asian wide characters and emoji, else 1.
    static func displayWidth(_ character: Character) -> Int {
        guard let value = character.unicodeScalars.first?.value else { return 0 }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    private enum Style {
        static let bold = "\u{1B}[1m"
        static let error = "\u{1B}[1;31m"
        static let warning = "\u{1B}[1;35m"
        static let note = "\u{1B}[1;36m"
        static let caret = "\u{1B}[1;32m"
        static let gutter = "\u{1B}[34m"
        static let reset = "\u{1B}[0m"
    }

    private func paint(_ text: String, _ style: String) -> String {
        colour ? style + text + Style.reset : text
    }
}
