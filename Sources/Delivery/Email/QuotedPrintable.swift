/// Quoted-printable body encoding (RFC 2045 §6.7) with CRLF line ends and lines of at most 76
/// octets: any text, control characters and all, travels as 7-bit lines.
enum QuotedPrintable {
    /// Encodes `text`; its line ends (CRLF, CR or LF) become CRLF.
    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let hex = Array("0123456789ABCDEF".utf8)
        for (index, line) in lines(of: text).enumerated() {
            if index > 0 { out += [13, 10] }
            var lineLength = 0
            for (position, byte) in line.enumerated() {
                let isLast = position == line.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)
                let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                // Leave room for a soft break "=" unless this token ends the line.
                let room = isLast ? 76 : 75
                if lineLength + token.count > room {
                    out += [UInt8(ascii: "="), 13, 10]
                    lineLength = 0
                }
                out += token
                lineLength += token.count
            }
        }
        return out
    }

    /// The lines of `text`, split at CRLF, CR or LF.
    static func lines(of text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 10 {
                if !previousWasCR { lines.append(current); current = [] }
                previousWasCR = false
            } else if byte == 13 {
                lines.append(current)
                current = []
                previousWasCR = true
            } else {
                current.append(byte)
                previousWasCR = false
            }
        }
        lines.append(current)
        return lines
    }
}
