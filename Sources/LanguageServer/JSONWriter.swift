import Foundation

/// Serialises the replies the server builds (`[String: Any]` of strings, integers, booleans,
/// arrays, dictionaries and `NSNull`) to JSON bytes, keys sorted.
///
/// Foundation's `JSONSerialization` bridges every value on Linux and took most of a completion
/// reply's time on a 1,000-rule directory; this walks the values once.
enum JSONWriter {
    /// The JSON text of `value`; nil if it holds something else (a bug, answered as an error).
    static func data(_ value: Any) -> Data? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        guard append(value, to: &bytes) else { return nil }
        return Data(bytes)
    }

    private static func append(_ value: Any, to bytes: inout [UInt8]) -> Bool {
        switch value {
        case let text as String:
            appendString(text, to: &bytes)
        case let flag as Bool:
            bytes += flag ? Array("true".utf8) : Array("false".utf8)
        case let number as Int:
            bytes += Array(String(number).utf8)
        case is NSNull:
            bytes += Array("null".utf8)
        case let object as [String: Any]:
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                guard let element = object[key], append(element, to: &bytes) else { return false }
            }
            bytes.append(UInt8(ascii: "}"))
        case let array as [Any]:
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                guard append(element, to: &bytes) else { return false }
            }
            bytes.append(UInt8(ascii: "]"))
        default:
            return false
        }
        return true
    }

    private static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
