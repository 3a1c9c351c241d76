/// JSON text as SQLite's `json_object` writes it: PostgreSQL's `json_build_object` writes the
/// same members with spaces (`{"orders" : 7, "vip" : 1}`), and evidence reads the same from
/// either store.
enum JSONText {
    /// `text` without the whitespace between tokens; strings (and escapes in them) stay as they are.
    static func compact(_ text: String) -> String {
        var result = [UInt8]()
        result.reserveCapacity(text.utf8.count)
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if inString {
                result.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                result.append(byte)
            } else if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\t") && byte != UInt8(ascii: "\r") {
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
