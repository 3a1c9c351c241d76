import Foundation

/// Reads JSON Lines: one JSON object per line; blank lines are ignored. Values become text
/// (numbers in their shortest exact form, arrays of strings joined by `;`), so the same row
/// parsers serve CSV and JSON Lines.
final class JSONLinesReader: RecordReader {
    private var bytes: ByteReader
    let path: String
    private var line = 0

    init(path: String) throws {
        self.path = path
        bytes = try ByteReader(path: path)
        bytes.skipByteOrderMark()
    }

    let header: [String]? = nil
    var offset: Int { bytes.offset }
    var fileSize: Int { bytes.fileSize }

    func next() throws -> ImportRecord? {
        while true {
            var lineBytes: [UInt8] = []
            var sawAny = false
            while let byte = bytes.next() {
                sawAny = true
                if byte == UInt8(ascii: "\n") { break }
                lineBytes.append(byte)
            }
            guard sawAny else { return nil }
            line += 1
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes.removeLast() }
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return try record(from: lineBytes)
        }
    }

    private func record(from lineBytes: [UInt8]) throws -> ImportRecord {
        guard let text = String(strictUTF8: lineBytes) else {
            let valid = lineBytes.prefix { $0 < 0x80 }.count
            throw ImportProblem(file: path, line: line, column: valid + 1, message: "invalid UTF-8")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(lineBytes), options: [.fragmentsAllowed])
        } catch {
            throw ImportProblem(file: path, line: line, column: 1, message: "invalid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ImportProblem(file: path, line: line, column: 1, message: "each line must be a JSON object")
        }
        var record = ImportRecord(line: line, names: [], values: [], columns: [])
        for key in dictionary.keys.sorted() {
            let column = (text.range(of: "\"\(key)\"").map { text.distance(from: text.startIndex, to: $0.lowerBound) } ?? 0) + 1
            guard let value = Self.text(dictionary[key]!) else {
                throw ImportProblem(file: path, line: line, column: column,
                                    message: "'\(key)' must be a string, number, boolean or list of strings")
            }
            record.names.append(key.lowercased())
            record.values.append(value)
            record.columns.append(column)
        }
        return record
    }

    private static func text(_ value: Any) -> String? {
        switch value {
        case is NSNull: return ""
        case let string as String: return string
        case let number as NSNumber:
            if type(of: number) != NSNumber.self { return number.boolValue ? "true" : "false" }
            if String(cString: number.objCType) == "d" { return "\(number.doubleValue)" }
            return number.stringValue
        case let list as [Any]:
            let strings = list.compactMap { $0 as? String }
            return strings.count == list.count ? strings.joined(separator: ";") : nil
        default: return nil
        }
    }
}
