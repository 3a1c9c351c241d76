import Foundation
import RuleLanguage

extension LanguageServer {
    /// Handles a notification; bad params are ignored (a notification has no reply).
    func notification(_ method: String, params: Any?) {
        if method == "exit" {
            exitStatus = state == .shutDown ? 0 : 1
            return
        }
        guard state == .running, let params = try? JSONParams(params) else { return }
        switch method {
        case "textDocument/didOpen":
            guard let document = try? params.object("textDocument"), let uri = try? document.string("uri"),
                let text = try? document.string("text")
            else { return }
            workspace.open(uri, text: Array(text.utf8))
            edited(uri)
        case "textDocument/didChange":
            guard let uri = try? params.documentURI(), let changes = params.object["contentChanges"] as? [Any],
                var text = workspace.text(of: uri)
            else { return }
            for case let change as [String: Any] in changes {
                guard let newText = change["text"] as? String else { continue }
                text = applying(change["range"], newText, to: text)
            }
            workspace.change(uri, text: text)
            edited(uri)
        case "textDocument/didSave":
            guard let uri = try? params.documentURI() else { return }
            workspace.refresh(uri)
            edited(uri)
        case "textDocument/didClose":
            guard let uri = try? params.documentURI() else { return }
            workspace.close(uri)
            if case .single = workspace.scope(of: uri) {
                pendingScopes.remove(.single(uri: uri))
                publishedByScope[.single(uri: uri)] = nil
                published[uri] = nil
            } else {
                edited(uri)
            }
        case "workspace/didChangeWatchedFiles":
            for case let change as [String: Any] in params.object["changes"] as? [Any] ?? [] {
                guard let uri = change["uri"] as? String, Workspace.isRuleFile(uri) else { continue }
                workspace.refresh(uri)
                edited(uri)
            }
        default:
            break
        }
    }

    /// Checks every scope edited since the last call; returns `publishDiagnostics` for each file
    /// whose diagnostics changed (an empty list clears a file's).
    public func publishPendingDiagnostics() -> [Data] {
        var messages: [Data] = []
        for scope in pendingScopes.sorted(by: { "\($0)" < "\($1)" }) {
            let (documents, diagnostics) = workspace.check(scope)
            let byFile = Dictionary(documents.map { (ObjectIdentifier($0.source), $0) }, uniquingKeysWith: { a, _ in a })
            var uris: Set<String> = []
            for document in documents {
                uris.insert(document.uri)
                let payloads = (diagnostics[document.uri] ?? []).map {
                    DiagnosticPayload.make($0, in: document, documents: byFile)
                }
                messages += publish(document.uri, payloads)
            }
            for gone in (publishedByScope[scope] ?? []).subtracting(uris) {
                messages += publish(gone, [])
            }
            publishedByScope[scope] = uris
        }
        pendingScopes = []
        return messages
    }

    private func publish(_ uri: String, _ diagnostics: [[String: Any]]) -> [Data] {
        let message = notificationMessage("textDocument/publishDiagnostics", ["uri": uri, "diagnostics": diagnostics])
        if published[uri] == message { return [] }
        published[uri] = message
        return [message]
    }

    /// Marks the scope of a rule file for checking; other files get no diagnostics.
    private func edited(_ uri: String) {
        guard Workspace.isRuleFile(uri) else { return }
        pendingScopes.insert(workspace.scope(of: uri))
    }

    /// `text` with a content change applied: the whole text, or a range (LSP positions) replaced.
    private func applying(_ range: Any?, _ newText: String, to text: [UInt8]) -> [UInt8] {
        guard let range = range as? [String: Any],
            let start = range["start"] as? [String: Any], let end = range["end"] as? [String: Any],
            let startLine = start["line"] as? Int, let startCharacter = start["character"] as? Int,
            let endLine = end["line"] as? Int, let endCharacter = end["character"] as? Int
        else { return Array(newText.utf8) }
        let lines = LineIndex(text)
        let lower = lines.offset(line: startLine, character: startCharacter)
        let upper = max(lower, lines.offset(line: endLine, character: endCharacter))
        return Array(text[..<lower]) + Array(newText.utf8) + Array(text[upper...])
    }
}
