/// JSON string literals (RFC 8259), written by hand: the import's attribute objects and the
/// webhook payloads and templates all escape text the same way.
///
/// Escapes `"`, `\`, every control character (`\n`, `\r`, `\t`, else `\u00XX`) and U+2028/U+2029
/// (valid in JSON, but line terminators in JavaScript); every other character, non-ASCII
/// included, stays as it is.
public enum JSONString {
    /// `text` escaped for the inside of a JSON string, without the quotes.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `"text"`: a complete JSON string literal.
    public static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }
}
