import RuleLanguage

/// Document formatting through `campaignd fmt`'s formatter: one edit replacing the whole text
/// when the layout changes, none when it is already canonical.
enum DocumentFormatter {
    static func edits(for document: RuleDocument) throws -> [[String: Any]] {
        let text = String(decoding: document.source.bytes, as: UTF8.self)
        let formatted: String
        do {
            formatted = try RuleFormatter.format(text, fileName: document.source.name)
        } catch {
            throw RPCError(code: -32803, message: "format \(document.source.name): \(error)")
        }
        guard formatted != text else { return [] }
        return [["range": document.range(0..<document.source.bytes.count), "newText": formatted]]
    }
}
