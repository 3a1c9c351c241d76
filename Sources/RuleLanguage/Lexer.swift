import Foundation

/// Turns a rule file's bytes into tokens, reporting malformed numbers, dates, times, strings and
/// stray characters. Each problem becomes one `.invalid` token, which the parser skips silently,
/// so a lexical error never causes a second, follow-on error.
struct Lexer {
    private let file: SourceFile
    private let bytes: [UInt8]
    private var index = 0
    private var invalidUTF8: Set<Int>
    private var noClosingQuoteBefore = 0
    private(set) var diagnostics = DiagnosticCollector()
    /// Every comment's range, from `#` to the end of its line (without the line break), in order.
    /// The parser never sees comments; the formatter puts them back.
    private(set) var comments: [Range<Int>] = []
    /// Whether a date may run on into an instant (`2025-05-12T09:00:00Z`): test files, not rule files.
    var allowsInstants = false

    /// The longest number accepted, in digits (keeps values exact in `Decimal`).
    static let maximumDigits = 18

    init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
        self.invalidUTF8 = Set(file.invalidUTF8Offsets)
    }

    /// All tokens, ending with `.endOfFile`.
    mutating func tokenize() -> [Token] {
        reportInvalidUTF8()
        var tokens: [Token] = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipTriviaAndComments()
            guard index < bytes.count else {
                tokens.append(Token(kind: .endOfFile, range: bytes.count..<bytes.count))
                return tokens
            }
            tokens.append(nextToken())
        }
    }

    private mutating func reportInvalidUTF8() {
        var reportedLines = Set<Int>()
        for offset in file.invalidUTF8Offsets {
            let line = file.lineRange(containing: offset).lowerBound
            guard reportedLines.insert(line).inserted else { continue }
            diagnostics.error(
                "invalid UTF-8 in file", in: file, at: offset..<offset + 3,
                hint: "rule files must be UTF-8 text")
        }
    }

    private mutating func skipTriviaAndComments() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                let start = index
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                comments.append(start..<index)
            default:
                return
            }
        }
    }

    private mutating func nextToken() -> Token {
        let start = index
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            while index < bytes.count && Self.isNameByte(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if let keyword = Keyword(rawValue: text) { return Token(kind: .keyword(keyword), range: start..<index) }
            return Token(kind: .word(text), range: start..<index)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return numberDateOrTime()
        case UInt8(ascii: "\""):
            return string()
        default:
            if let symbol = symbol() { return symbol }
            if let quoted = wronglyQuotedText() { return quoted }
            return unexpectedCharacters()
        }
    }

    private mutating func symbol() -> Token? {
        let start = index
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        let kind: Token.Kind
        var length = 1
        switch bytes[index] {
        case UInt8(ascii: "="):
            kind = .equal
            if next == UInt8(ascii: "=") { length = 2 }
        case UInt8(ascii: "!"):
            guard next == UInt8(ascii: "=") else { return nil }
            kind = .notEqual
            length = 2
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: "=") { kind = .lessEqual; length = 2 } else { kind = .less }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") { kind = .greaterEqual; length = 2 } else { kind = .greater }
        case UInt8(ascii: "("): kind = .leftParen
        case UInt8(ascii: ")"): kind = .rightParen
        case UInt8(ascii: "{"): kind = .leftBrace
        case UInt8(ascii: "}"): kind = .rightBrace
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: "%"): kind = .percent
        case UInt8(ascii: "-"): kind = .minus
        default: return nil
        }
        index += length
        return Token(kind: kind, range: start..<index)
    }

    static let quoteOpeners: [[UInt8]] = [[0x27], Array("“".utf8), Array("‘".utf8), Array("„".utf8)]
    static let quoteClosers: [[UInt8]] = [[0x27], Array("”".utf8), Array("’".utf8), Array("“".utf8)]

    /// Text in single or typographic quotes (`'FI'`, `“vip”`), reported once as a whole.
    private mutating func wronglyQuotedText() -> Token? {
        let openers = Self.quoteOpeners
        let closers = Self.quoteClosers
        guard bytes[index] == 0x27 || bytes[index] == 0xE2, index >= noClosingQuoteBefore,
            let opener = openers.first(where: { bytes[index...].starts(with: $0) })
        else { return nil }
        var end = index + opener.count
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") {
            if let closer = closers.first(where: { bytes[end...].starts(with: $0) }) {
                let start = index
                index = end + closer.count
                let content = file.text(start + opener.count..<end)
                diagnostics.error(
                    "text must be in straight double quotes", in: file, at: start..<index,
                    hint: "write \"\(content)\"")
                return Token(kind: .invalid, range: start..<index)
            }
            end += 1
        }
        // Nothing closes a quote from here to the end of the line: don't look again (keeps a
        // megabyte line of stray quotes linear).
        noClosingQuoteBefore = end
        return nil
    }

    /// A run of characters that cannot start a token, reported once.
    private mutating func unexpectedCharacters() -> Token {
        let start = index
        var onlyInvalidUTF8 = true
        var first: Character?
        repeat {
            if !invalidUTF8.contains(index) { onlyInvalidUTF8 = false }
            let length = max(1, UTF8Repair.validSequenceLength(bytes, at: index))
            if first == nil {
                first = String(decoding: bytes[index..<min(index + length, bytes.count)], as: UTF8.self).first
            }
            index += length
        } while index < bytes.count && !startsToken(bytes[index])
        if !onlyInvalidUTF8, let first {
            var hint: String?
            switch first {
            case "“", "”", "„", "‘", "’", "«", "»": hint = "use straight double quotes: \"…\""
            case "!": hint = "use 'not', or '!=' for 'is not equal to'"
            case "&": hint = "use 'and'"
            case "|": hint = "use 'or'"
            case "'": hint = "text is written in double quotes: \"…\""
            default:
                if first.unicodeScalars.first.map({ $0.value >= 0x80 }) ?? false {
                    hint = "names may use only ASCII letters, digits and '_'; put other text in quotes"
                }
            }
            let shown = first.unicodeScalars.first.map { $0.value < 0x20 || $0.value == 0x7F } ?? false
                ? "U+" + String(first.unicodeScalars.first!.value, radix: 16, uppercase: true)
                : String(first)
            diagnostics.error("unexpected character '\(shown)'", in: file, at: start..<index, hint: hint)
        }
        return Token(kind: .invalid, range: start..<index)
    }

    private func startsToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"),
            UInt8(ascii: "\""), UInt8(ascii: "="), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: "%"),
            UInt8(ascii: "-"):
            return true
        default:
            return Self.isNameByte(byte)
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The value of a run of ASCII digits, saturating (callers check the length first).
    private static func integer(_ digits: ArraySlice<UInt8>) -> Int {
        var value = 0
        for digit in digits {
            value = min(value * 10 + Int(digit - UInt8(ascii: "0")), 1_000_000)
        }
        return value
    }

    private func byte(at offset: Int) -> UInt8 { offset < bytes.count ? bytes[offset] : 0 }

    private mutating func digits() -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count && Self.isDigit(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// `42`, `2000.50`, `21:00` or `2025-03-31`.
    private mutating func numberDateOrTime() -> Token {
        let start = index
        let whole = digits()
        if byte(at: index) == UInt8(ascii: "-") && Self.isDigit(byte(at: index + 1)) {
            return date(start: start, year: whole)
        }
        if byte(at: index) == UInt8(ascii: ":") && Self.isDigit(byte(at: index + 1)) {
            index += 1
            let minutes = digits()
            if let bad = trailingNameCharacters(start: start) { return bad }
            guard whole.count <= 2, minutes.count == 2, let time = TimeOfDay(hour: Self.integer(whole), minute: Self.integer(minutes))
            else {
                diagnostics.error(
                    "invalid time '\(file.text(start..<index))'", in: file, at: start..<index,
                    hint: "write times as HH:MM, from 00:00 to 23:59")
                return Token(kind: .invalid, range: start..<index)
            }
            return Token(kind: .time(time), range: start..<index)
        }
        var fraction: ArraySlice<UInt8> = []
        if byte(at: index) == UInt8(ascii: ".") && Self.isDigit(byte(at: index + 1)) {
            index += 1
            fraction = digits()
        }
        if let bad = trailingNameCharacters(start: start) { return bad }
        guard whole.count + fraction.count <= Self.maximumDigits else {
            diagnostics.error(
                "number '\(file.text(start..<index))' is too long", in: file, at: start..<index,
                hint: "numbers may have at most \(Self.maximumDigits) digits")
            return Token(kind: .invalid, range: start..<index)
        }
        let significand = UInt64(String(decoding: whole + fraction, as: UTF8.self))!
        let value = Decimal(sign: .plus, exponent: -fraction.count, significand: Decimal(significand))
        return Token(kind: .number(value, isInteger: fraction.isEmpty), range: start..<index)
    }

    /// Reports `12abc`, `1.2.3` and the like as one malformed number.
    private mutating func trailingNameCharacters(start: Int) -> Token? {
        guard index < bytes.count,
            Self.isNameByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ":")
        else { return nil }
        let numberEnd = index
        while index < bytes.count
            && (Self.isNameByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ":"))
        {
            index += 1
        }
        let suffix = file.text(numberEnd..<index)
        let hint = suffix == "days" || suffix == "day" || suffix == "d"
            ? "did you mean '\(file.text(start..<numberEnd)) days'?" : nil
        diagnostics.error("malformed number '\(file.text(start..<index))'", in: file, at: start..<index, hint: hint)
        return Token(kind: .invalid, range: start..<index)
    }

    private mutating func date(start: Int, year: ArraySlice<UInt8>) -> Token {
        index += 1
        let month = digits()
        var day: ArraySlice<UInt8> = []
        var complete = false
        if byte(at: index) == UInt8(ascii: "-") && Self.isDigit(byte(at: index + 1)) {
            index += 1
            day = digits()
            complete = true
        }
        if complete && allowsInstants && byte(at: index) == UInt8(ascii: "T") && Self.isDigit(byte(at: index + 1)) {
            return instant(start: start, year: year, month: month, day: day)
        }
        if let bad = trailingNameCharacters(start: start) { return bad }
        let text = file.text(start..<index)
        guard complete, year.count == 4, month.count == 2, day.count == 2 else {
            diagnostics.error(
                "malformed date '\(text)'", in: file, at: start..<index, hint: "write dates as YYYY-MM-DD")
            return Token(kind: .invalid, range: start..<index)
        }
        guard let date = CalendarDate(year: Self.integer(year), month: Self.integer(month), day: Self.integer(day)) else {
            diagnostics.error("invalid date '\(text)'", in: file, at: start..<index, hint: "no such day in the calendar")
            return Token(kind: .invalid, range: start..<index)
        }
        return Token(kind: .date(date), range: start..<index)
    }

    /// `"…"` on one line, with `\"` and `\\` escapes.
    private mutating func string() -> Token {
        let start = index
        index += 1
        var content: [UInt8] = []
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return Token(kind: .string(String(decoding: content, as: UTF8.self)), range: start..<index)
            case UInt8(ascii: "\n"):
                return unterminatedString(start: start)
            case UInt8(ascii: "\\"):
                let next = byte(at: index + 1)
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                    content.append(next)
                    index += 2
                } else {
                    let escapeEnd = next == 0 || next == UInt8(ascii: "\n") ? index + 1 : index + 2
                    diagnostics.error(
                        "unknown escape '\(file.text(index..<escapeEnd))' in text", in: file, at: index..<escapeEnd,
                        hint: "only \\\" and \\\\ may follow a backslash")
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") && bytes[index] != UInt8(ascii: "\"") {
                        index += 1
                    }
                    if index < bytes.count && bytes[index] == UInt8(ascii: "\"") { index += 1 }
                    return Token(kind: .invalid, range: start..<index)
                }
            default:
                content.append(bytes[index])
                index += 1
            }
        }
        return unterminatedString(start: start)
    }

    private mutating func unterminatedString(start: Int) -> Token {
        var end = index
        if end > start && end <= bytes.count && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        diagnostics.error(
            "unterminated text", in: file, at: start..<end, hint: "add a closing '\"' on the same line")
        return Token(kind: .invalid, range: start..<end)
    }

    /// The rest of `YYYY-MM-DDTHH:MM[:SS]` and its zone, `Z` or `±HH:MM`, after the date.
    private mutating func instant(start: Int, year: ArraySlice<UInt8>, month: ArraySlice<UInt8>, day: ArraySlice<UInt8>) -> Token {
        index += 1
        var parts = [digits()]
        while parts.count < 3 && byte(at: index) == UInt8(ascii: ":") && Self.isDigit(byte(at: index + 1)) {
            index += 1
            parts.append(digits())
        }
        var offset: Int?
        if byte(at: index) == UInt8(ascii: "Z") {
            index += 1
            offset = 0
        } else if byte(at: index) == UInt8(ascii: "+") || byte(at: index) == UInt8(ascii: "-"),
            Self.isDigit(byte(at: index + 1))
        {
            let sign = byte(at: index) == UInt8(ascii: "-") ? -1 : 1
            index += 1
            let hours = digits()
            var minutes: ArraySlice<UInt8> = []
            if byte(at: index) == UInt8(ascii: ":") {
                index += 1
                minutes = digits()
            }
            if hours.count == 2 && minutes.count == 2 && Self.integer(hours) <= 14 && Self.integer(minutes) < 60 {
                offset = sign * (Self.integer(hours) * 3600 + Self.integer(minutes) * 60)
            }
        }
        while index < bytes.count && Self.isNameByte(bytes[index]) { index += 1 }
        let text = file.text(start..<index)
        let valid = year.count == 4 && month.count == 2 && day.count == 2 && parts.count >= 2 && parts.allSatisfy { $0.count == 2 }
        let (hour, minute) = (Self.integer(parts[0]), parts.count > 1 ? Self.integer(parts[1]) : 0)
        let second = parts.count > 2 ? Self.integer(parts[2]) : 0
        guard valid, let offset, hour < 24, minute < 60, second < 60,
            let date = CalendarDate(year: Self.integer(year), month: Self.integer(month), day: Self.integer(day))
        else {
            diagnostics.error(
                "malformed instant '\(text)'", in: file, at: start..<index,
                hint: "write instants as 2025-05-12T09:00:00Z or 2025-05-12T12:00:00+03:00")
            return Token(kind: .invalid, range: start..<index)
        }
        let seconds = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Token(kind: .instant(seconds), range: start..<index)
    }
}
