import RuleLanguage

/// Builds the import's attribute objects quickly, without Foundation.
enum JSONText {
    /// A JSON object of string (or null) values, keys in the given order (`JSONString` escapes).
    static func object(_ pairs: [(String, String?)]) -> String {
        "{" + pairs.map { key, value in JSONString.quoted(key) + ":" + (value.map(JSONString.quoted) ?? "null") }
            .joined(separator: ",") + "}"
    }
}
