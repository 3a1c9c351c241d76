/// Builds small JSON texts quickly, without Foundation.
enum JSONText {
    /// A JSON string literal for `text`, escaped per RFC 8259.
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A JSON object of string (or null) values, keys in the given order.
    static func object(_ pairs: [(String, String?)]) -> String {
        "{" + pairs.map { key, value in string(key) + ":" + (value.map(string) ?? "null") }.joined(separator: ",") + "}"
    }
}
