import Foundation

/// A JSON object being read into `Config`: remembers which keys were read, so every key the
/// program does not know is reported, and collects every problem instead of stopping at the first.
final class ConfigObject {
    private let values: [String: Any]
    private let keyPath: String
    private var readKeys: Set<String> = []
    private let problems: ProblemList

    final class ProblemList {
        var items: [String] = []
        func add(_ message: String) { items.append(message) }
    }

    init(_ values: [String: Any], keyPath: String, problems: ProblemList) {
        self.values = values
        self.keyPath = keyPath
        self.problems = problems
    }

    private func name(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    private func raw(_ key: String) -> Any? {
        readKeys.insert(key)
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    func string(_ key: String, default fallback: String) -> String {
        guard let value = raw(key) else { return fallback }
        guard let text = value as? String else {
            problems.add("'\(name(key))' must be a string")
            return fallback
        }
        return text
    }

    func optionalString(_ key: String) -> String? {
        guard let value = raw(key) else { return nil }
        guard let text = value as? String else {
            problems.add("'\(name(key))' must be a string")
            return nil
        }
        return text
    }

    func strings(_ key: String) -> [String] {
        guard let value = raw(key) else { return [] }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            problems.add("'\(name(key))' must be a list of strings")
            return []
        }
        return list.compactMap { $0 as? String }
    }

    func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let value = raw(key) else { return fallback }
        guard let number = value as? NSNumber, !Self.isBoolean(number),
              let integer = Int(exactly: number.doubleValue), range.contains(integer)
        else {
            problems.add("'\(name(key))' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return integer
    }

    func number(_ key: String, default fallback: Double, range: ClosedRange<Double>) -> Double {
        guard let value = raw(key) else { return fallback }
        guard let number = value as? NSNumber, !Self.isBoolean(number), range.contains(number.doubleValue) else {
            problems.add("'\(name(key))' must be a number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return number.doubleValue
    }

    func duration(_ key: String, default fallback: Duration) -> Duration {
        guard let text = optionalString(key) else { return fallback }
        guard let duration = Duration(configText: text), duration > .zero else {
            problems.add("'\(name(key))' must be a positive duration like \"90s\", \"15m\", \"1h\" or \"2d\", not \"\(text)\"")
            return fallback
        }
        return duration
    }

    /// A value that may be written either way (`"store"`).
    enum StringOrObject {
        case string(String)
        case object(ConfigObject)
    }

    /// A string or a nested object; nil when absent or of another type (reported).
    func stringOrObject(_ key: String) -> StringOrObject? {
        guard let value = raw(key) else { return nil }
        if let text = value as? String { return .string(text) }
        if let dictionary = value as? [String: Any] {
            return .object(ConfigObject(dictionary, keyPath: name(key), problems: problems))
        }
        problems.add("'\(name(key))' must be a string or an object")
        return nil
    }

    /// Whether the object has `key` with a value other than null.
    func has(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !(value is NSNull)
    }

    /// A nested object; a missing key gives an empty object, so defaults apply.
    func object(_ key: String) -> ConfigObject {
        let value = raw(key)
        if let value, !(value is [String: Any]) { problems.add("'\(name(key))' must be an object") }
        return ConfigObject(value as? [String: Any] ?? [:], keyPath: name(key), problems: problems)
    }

    /// Each entry of an object whose keys are free names (such as webhook endpoints).
    func entries(_ key: String) -> [(String, ConfigObject)] {
        guard let value = raw(key) else { return [] }
        guard let dictionary = value as? [String: Any] else {
            problems.add("'\(name(key))' must be an object")
            return []
        }
        return dictionary.keys.sorted().compactMap { entryName in
            guard let entry = dictionary[entryName] as? [String: Any] else {
                problems.add("'\(name(key)).\(entryName)' must be an object")
                return nil
            }
            return (entryName, ConfigObject(entry, keyPath: "\(name(key)).\(entryName)", problems: problems))
        }
    }

    /// Reports a problem with `key`; a message longer than 300 characters (one quoting a huge
    /// value) is cut in the middle.
    func invalid(_ key: String, _ message: String) {
        let message = message.utf8.count > 300 ? "\(message.prefix(200))…\(message.suffix(100))" : message
        problems.add("'\(name(key))' \(message)")
    }

    /// Reports every key of this object that was never read, with a suggestion when one is close.
    func reportUnknownKeys() {
        for key in values.keys.sorted() where !readKeys.contains(key) {
            let suggestion = readKeys.min { editDistance($0, key) < editDistance($1, key) }
            var message = "unknown key '\(name(key))'"
            if let suggestion, editDistance(suggestion, key) <= max(2, key.count / 3) {
                message += " (did you mean '\(name(suggestion))'?)"
            }
            problems.add(message)
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        type(of: number) != NSNumber.self || String(cString: number.objCType) == "c"
    }
}

/// Levenshtein distance between two strings, by characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
