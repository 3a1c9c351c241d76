import Foundation
import Mustache

/// Escapes values for the inside of a JSON string, for webhook templates: a customer's name
/// with quotes or newlines stays one JSON string.
struct JSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { JSONText.escape(text) }

    /// Registers the `JSON` content type with swift-mustache, once.
    static let registered: Void = { MustacheContentTypes.register(JSONContentType(), named: "JSON") }()
}

/// JSON string escaping (RFC 8259), without the quotes.
enum JSONText {
    static func escape(_ text: String) -> String {
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
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `2026-11-25T12:00:00Z` (UTC, whole seconds).
    static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// `"text"`, quoted and escaped.
    static func quoted(_ text: String) -> String { "\"\(escape(text))\"" }
}
