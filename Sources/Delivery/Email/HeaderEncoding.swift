import Foundation

/// Header field writing for RFC 5322 messages: every value is made one line (control characters
/// become spaces, so a CR/LF in a customer's name can never start another header), non-ASCII
/// text becomes RFC 2047 encoded-words, and long fields are folded to lines of at most 78 octets.
enum HeaderEncoding {
    /// The value with C0/C1 controls, DEL and Unicode line separators as spaces, runs of
    /// whitespace as one space, trimmed.
    static func sanitize(_ value: String) -> String {
        if isClean(value) { return value }
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in value.unicodeScalars {
            let isSpace = scalar.isASCII
                ? scalar.value <= 0x20 || scalar.value == 0x7F
                : (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar.properties.isWhitespace
            if isSpace {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(scalar)
                lastWasSpace = false
            }
        }
        if out.last == " " { out.removeLast() }
        return String(out)
    }

    /// Whether `sanitize` would return `value` unchanged because it is printable ASCII with single
    /// spaces between words: the common case, checked without decoding a scalar.
    private static func isClean(_ value: String) -> Bool {
        var lastWasSpace = true
        for byte in value.utf8 {
            if byte == 0x20 {
                if lastWasSpace { return false }
                lastWasSpace = true
            } else if byte > 0x20 && byte < 0x7F {
                lastWasSpace = false
            } else {
                return false
            }
        }
        return !lastWasSpace || value.isEmpty
    }

    /// `Name: value` for unstructured text (Subject), folded, with CRLF line ends but no final CRLF.
    static func unstructured(_ name: String, _ value: String) -> String {
        let value = sanitize(value)
        if isPlainASCII(value) {
            return fold(name + ": " + value)
        }
        return name + ": " + encodedWords(value, firstLineUsed: name.count + 2).joined(separator: "\r\n ")
    }

    /// `Name: phrase <address>` for an address header (From, To).
    static func address(_ name: String, _ mailbox: EmailAddress) -> String {
        guard let displayName = mailbox.displayName else { return "\(name): <\(mailbox.address)>" }
        let angle = "<\(mailbox.address)>"
        if isPlainASCII(displayName) {
            let isAtoms = displayName.utf8.allSatisfy { byte in
                byte == 0x20 || (byte > 0x20 && byte < 0x7F && !Array("()<>[]:;@\\,.\"".utf8).contains(byte))
            }
            let phrase = isAtoms ? displayName
                : "\"" + displayName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            return fold("\(name): \(phrase) \(angle)")
        }
        return fold("\(name): " + phrase(displayName) + " " + angle)
    }

    /// A display name with non-ASCII: plain ASCII words stay as they are, each run of other words
    /// becomes one encoded-word (spaces inside it), so no two encoded-words are adjacent unless a
    /// run is longer than one encoded-word can hold. (Decoders disagree on the space between
    /// adjacent encoded-words in a phrase: RFC 2047 drops it, Python's parser keeps one.)
    static func phrase(_ text: String) -> String {
        let specials = Array("()<>[]:;@\\,.\"".utf8)
        func isPlain(_ word: Substring) -> Bool {
            word.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !specials.contains($0) } && !word.contains("=?")
        }
        var tokens: [String] = []
        var run: [Substring] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            tokens += encodedWords(run.joined(separator: " "), firstLineUsed: 1)
            run.removeAll()
        }
        for word in text.split(separator: " ") {
            if isPlain(word) {
                flushRun()
                tokens.append(String(word))
            } else {
                run.append(word)
            }
        }
        flushRun()
        return tokens.joined(separator: " ")
    }

    /// Printable ASCII that no decoder would take for an encoded word.
    private static func isPlainASCII(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?")
    }

    /// Folds a header line at spaces so each line is at most 78 octets where a space allows it.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 78 else { return line }
        var lines: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty {
                current = String(word)
            } else if current.utf8.count + 1 + word.utf8.count <= 78 {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n ")
    }

    /// RFC 2047 `=?utf-8?B?…?=` words of at most 75 characters, never splitting a character,
    /// each line (after the header name on the first) at most 76 characters.
    static func encodedWords(_ text: String, firstLineUsed: Int) -> [String] {
        let overhead = "=?utf-8?B??=".count
        func capacity(lineUsed: Int) -> Int { max(3, (min(75, 76 - lineUsed) - overhead) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = capacity(lineUsed: firstLineUsed)
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk.removeAll()
            limit = capacity(lineUsed: 1)
        }
        for scalar in text.unicodeScalars {
            // The scalar's own UTF-8 view: no String and Array per character.
            if chunk.count + scalar.utf8.count > limit { flush() }
            chunk.append(contentsOf: scalar.utf8)
        }
        flush()
        return words.isEmpty ? ["=?utf-8?B??="] : words
    }
}
