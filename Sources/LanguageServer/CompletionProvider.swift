import RuleLanguage

/// Completion items for a position, chosen from the text before the cursor on its line:
/// template or endpoint names inside `send CHANNEL "…"`, rule and `JOURNEY/STEP` names inside
/// `received "…"`, channels after `send`, otherwise facts, segments, channels and keywords.
/// Nothing in comments or in other strings.
enum CompletionProvider {
    enum Context: Equatable {
        case general
        case channel
        case sendTarget(Channel, contentStart: Int)
        case sendName(contentStart: Int)
        case none
    }

    // LSP CompletionItemKind values.
    private static let keywordKind = 14, fieldKind = 5, variableKind = 6, enumMemberKind = 20, fileKind = 17,
        referenceKind = 18

    static func items(
        at offset: Int, in document: RuleDocument, index: SyntaxIndex, environment: CheckEnvironment?
    ) -> [[String: Any]] {
        switch context(at: offset, in: document) {
        case .none:
            return []
        case .channel:
            return channelItems()
        case .sendTarget(let channel, let contentStart):
            let names: Set<String>
            switch channel {
            case .email: names = environment?.emailTemplates ?? []
            case .letter: names = environment?.letterTemplates ?? []
            case .webhook: names = environment?.webhookEndpoints ?? []
            }
            let detail = channel == .webhook ? "webhook endpoint" : "\(channel.rawValue) template"
            return names.sorted().map {
                item($0, kind: fileKind, detail: detail, edit: (document.range(contentStart..<offset), $0))
            }
        case .sendName(let contentStart):
            return index.sendNames.map {
                item($0.name, kind: referenceKind, detail: $0.isStep ? "journey step" : "rule",
                     edit: (document.range(contentStart..<offset), $0.name))
            }
        case .general:
            var items: [[String: Any]] = []
            for fact in FactCatalog.all {
                items.append(
                    item(fact.phrase, kind: fieldKind, detail: HoverProvider.typeName(fact.type),
                         documentation: "`\(fact.usage)`\n\n\(fact.meaning)"))
            }
            for transition in FactCatalog.transitionUsages {
                let word = String(transition.usage.prefix { $0 != " " })
                items.append(
                    item(word, kind: fieldKind, detail: "yes/no", documentation: "`\(transition.usage)`\n\n\(transition.meaning)"))
            }
            for (name, entry) in index.segments.sorted(by: { $0.key < $1.key }) {
                items.append(
                    item(name, kind: variableKind, detail: "segment",
                         documentation: "```\n\(entry.document.source.text(entry.declaration.range))\n```"))
            }
            items += channelItems()
            for keyword in Keyword.allCases {
                items.append(item(keyword.rawValue, kind: keywordKind, detail: "keyword"))
            }
            return items
        }
    }

    /// What may be written at `offset`, from the text before it on its line.
    static func context(at offset: Int, in document: RuleDocument) -> Context {
        let bytes = document.source.bytes
        let clamped = min(max(offset, 0), bytes.count)
        let line = document.lines.position(of: clamped).line
        let start = document.lines.lineRange(line).lowerBound
        guard start <= clamped else { return .none }
        var quote: Int?
        var index = start
        while index < clamped {
            let byte = bytes[index]
            if quote != nil {
                if byte == UInt8(ascii: "\\") && index + 1 < clamped {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    quote = nil
                }
            } else if byte == UInt8(ascii: "\"") {
                quote = index
            } else if byte == UInt8(ascii: "#") {
                return .none
            }
            index += 1
        }
        if let quote {
            let words = String(decoding: bytes[start..<quote], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 2, words[words.count - 2] == "send", let channel = Channel(rawValue: String(words[words.count - 1])) {
                return .sendTarget(channel, contentStart: quote + 1)
            }
            if words.last == "received" { return .sendName(contentStart: quote + 1) }
            return .none
        }
        var wordStart = clamped
        while wordStart > start, isWordByte(bytes[wordStart - 1]) { wordStart -= 1 }
        let before = String(decoding: bytes[start..<wordStart], as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "{" })
        return before.last == "send" ? .channel : .general
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            byte >= 0x80
        }
    }

    private static func channelItems() -> [[String: Any]] {
        Channel.allCases.map { item($0.rawValue, kind: enumMemberKind, detail: "channel") }
    }

    private static func item(
        _ label: String, kind: Int, detail: String, documentation: String? = nil,
        edit: (range: [String: Any], text: String)? = nil
    ) -> [String: Any] {
        var item: [String: Any] = ["label": label, "kind": kind, "detail": detail]
        if let documentation { item["documentation"] = ["kind": "markdown", "value": documentation] }
        if let edit { item["textEdit"] = ["range": edit.range, "newText": edit.text] }
        return item
    }
}
