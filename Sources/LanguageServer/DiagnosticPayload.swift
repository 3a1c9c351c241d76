import RuleLanguage

/// A rule diagnostic as an LSP `Diagnostic`: the same range as `check` prints (byte offsets
/// turned into line and UTF-16 character), the hint on a second line, notes as related places.
enum DiagnosticPayload {
    static func make(_ diagnostic: Diagnostic, in document: RuleDocument, documents: [ObjectIdentifier: RuleDocument])
        -> [String: Any]
    {
        var message = diagnostic.message
        if let hint = diagnostic.hint { message += "\nhint: \(hint)" }
        var payload: [String: Any] = [
            "range": document.range(diagnostic.range),
            "severity": severity(diagnostic.severity),
            "source": "campaignd",
            "message": message,
        ]
        let related: [[String: Any]] = diagnostic.notes.compactMap { note in
            guard let noteDocument = documents[ObjectIdentifier(note.file)] else { return nil }
            return ["location": ["uri": noteDocument.uri, "range": noteDocument.range(note.range)], "message": note.message]
        }
        if !related.isEmpty { payload["relatedInformation"] = related }
        return payload
    }

    private static func severity(_ severity: Diagnostic.Severity) -> Int {
        switch severity {
        case .error: 1
        case .warning: 2
        case .note: 3
        }
    }
}
