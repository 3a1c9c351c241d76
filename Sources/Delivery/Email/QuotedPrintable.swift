/// Quoted-printable body encoding (RFC 2045 §6.7) with CRLF line ends and lines of at most 76
/// octets: any text, control characters and all, travels as 7-bit lines.
enum QuotedPrintable {
    /// Encodes `text`; its line ends (CRLF, CR or LF) become CRLF.
    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8 + 8)
        // Appends byte by byte: a temporary array per octet cost a heap allocation each
        // (docs/performance.md, "SMTP").
        for (index, line) in lines(of: text).enumerated() {
            if index > 0 { out.append(13); out.append(10) }
            var lineLength = 0
            let count = line.count
            for position in 0..<count {
                let byte = line[position]
                let isLast = position == count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)
                let width = literal ? 1 : 3
                // Leave room for a soft break "=" unless this token ends the line.
                let room = isLast ? 76 : 75
                if lineLength + width > room {
                    out.append(UInt8(ascii: "="))
                    out.append(13)
                    out.append(10)
                    lineLength = 0
                }
                if literal {
                    out.append(byte)
                } else {
                    out.append(UInt8(ascii: "="))
                    out.append(hexDigit(byte >> 4))
                    out.append(hexDigit(byte & 15))
                }
                lineLength += width
            }
        }
        return out
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
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
