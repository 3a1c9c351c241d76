import Foundation
import RuleLanguage

/// The rule language server: takes JSON-RPC message bodies, returns the bodies to send back.
///
/// Lifecycle, documents and requests are handled here and in `LanguageServer+Documents`;
/// framing and the stdio loop are in `LanguageServer+Stdio`. Diagnostics are not computed per
/// edit but when the input goes quiet (`publishPendingDiagnostics`), so a burst of keystrokes
/// costs one check of the directory. No input ends the server but `exit` or the end of input:
/// malformed messages get a JSON-RPC error back.
public final class LanguageServer {
    enum State { case uninitialized, running, shutDown }

    var state = State.uninitialized
    let workspace: Workspace
    let version: String
    /// Scopes edited since their last check.
    var pendingScopes: Set<CheckScope> = []
    /// The diagnostics last published per URI, so unchanged ones are not sent again.
    var published: [String: Data] = [:]
    /// The URIs each scope last published to, so files that left it are cleared.
    var publishedByScope: [CheckScope: Set<String>] = [:]

    /// Each scope's names, with the parses they were read from (held, so identity means unchanged).
    var indexes: [CheckScope: (documents: [RuleDocument], index: SyntaxIndex)] = [:]

    /// The process exit status once `exit` has arrived: 0 after `shutdown`, 1 without.
    public internal(set) var exitStatus: Int32?

    /// - Parameter environment: the templates and webhook endpoints `check` would see for a rules
    ///   directory (nil to check without them).
    public init(version: String, environment: @escaping (_ rulesDirectory: String) -> CheckEnvironment?) {
        self.version = version
        workspace = Workspace(environment: environment)
    }

    /// Handles one message body; returns the bodies to write back (at most one response).
    public func handle(_ body: [UInt8]) -> [Data] {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return [errorResponse(id: nil, .parseError("the message is not valid JSON"))]
        }
        guard let message = json as? [String: Any] else {
            return [errorResponse(id: nil, .invalidRequest("a message must be a JSON object"))]
        }
        let id = message["id"]
        var validID: Any?
        if let text = id as? String { validID = text } else if let number = id as? Int { validID = number }
        guard let method = message["method"] as? String else {
            if id != nil && (message["result"] != nil || message["error"] != nil) { return [] }  // a reply to us
            return [errorResponse(id: validID, .invalidRequest("a message needs a 'method'"))]
        }
        if id != nil && !(id is NSNull) {
            guard let validID else { return [errorResponse(id: nil, .invalidRequest("an id must be a number or a string"))] }
            do {
                return [response(id: validID, result: try request(method, params: message["params"]))]
            } catch let error as RPCError {
                return [errorResponse(id: validID, error)]
            } catch {
                return [errorResponse(id: validID, .internalError("\(error)"))]
            }
        }
        notification(method, params: message["params"])
        return []
    }

    /// The error response for a message whose framing was broken.
    public func malformedMessage(_ description: String) -> Data {
        errorResponse(id: nil, .parseError(description))
    }

    // MARK: Requests

    private func request(_ method: String, params: Any?) throws -> Any? {
        switch state {
        case .uninitialized where method != "initialize": throw RPCError.serverNotInitialized
        case .shutDown: throw RPCError.invalidRequest("the server is shutting down")
        default: break
        }
        switch method {
        case "initialize":
            guard state == .uninitialized else { throw RPCError.invalidRequest("initialize was already called") }
            state = .running
            return initializeResult()
        case "shutdown":
            state = .shutDown
            return nil
        case "textDocument/completion":
            let (document, offset, index) = try located(params)
            let environment: CheckEnvironment? =
                if case .directory(let directory) = workspace.scope(of: document.uri) { workspace.environment(directory) } else { nil }
            guard Workspace.isRuleFile(document.uri) else { return [] as [Any] }
            return ["isIncomplete": false,
                    "items": CompletionProvider.items(at: offset, in: document, index: index, environment: environment)]
        case "textDocument/hover":
            let (document, offset, index) = try located(params)
            guard Workspace.isRuleFile(document.uri) else { return nil }
            return HoverProvider.hover(at: offset, in: document, index: index)
        case "textDocument/definition":
            let (document, offset, index) = try located(params)
            guard Workspace.isRuleFile(document.uri) else { return nil }
            return DefinitionProvider.definition(at: offset, in: document, index: index)
        case "textDocument/formatting":
            let uri = try JSONParams(params).documentURI()
            guard Workspace.isRuleFile(uri), let document = workspace.document(uri) else { return [] as [Any] }
            return try DocumentFormatter.edits(for: document)
        default:
            throw RPCError.methodNotFound(method)
        }
    }

    /// The document, byte offset and scope index a position request is about.
    private func located(_ params: Any?) throws -> (RuleDocument, Int, SyntaxIndex) {
        let params = try JSONParams(params)
        let uri = try params.documentURI()
        let position = try params.position()
        guard let document = workspace.document(uri) else {
            throw RPCError.invalidParams("unknown document \(uri)")
        }
        return (document, document.offset(line: position.line, character: position.character), index(of: uri))
    }

    /// The names of a document's scope, rebuilt only when a file of the scope has a new parse.
    private func index(of uri: String) -> SyntaxIndex {
        let scope = workspace.scope(of: uri)
        let documents = workspace.documents(in: scope)
        if let cached = indexes[scope], cached.documents.elementsEqual(documents, by: ===) { return cached.index }
        let index = SyntaxIndex(documents)
        indexes[scope] = (documents, index)
        return index
    }

    private func initializeResult() -> [String: Any] {
        [
            "capabilities": [
                "positionEncoding": "utf-16",
                "textDocumentSync": ["openClose": true, "change": 1, "save": ["includeText": false]],
                "completionProvider": ["triggerCharacters": ["\""]],
                "hoverProvider": true,
                "definitionProvider": true,
                "documentFormattingProvider": true,
            ] as [String: Any],
            "serverInfo": ["name": "campaignd", "version": version],
        ]
    }

    // MARK: Encoding

    func response(id: Any, result: Any?) -> Data {
        encode(["jsonrpc": "2.0", "id": id, "result": result ?? NSNull()])
    }

    func errorResponse(id: Any?, _ error: RPCError) -> Data {
        encode(["jsonrpc": "2.0", "id": id ?? NSNull(), "error": ["code": error.code, "message": error.message]])
    }

    func notificationMessage(_ method: String, _ params: [String: Any]) -> Data {
        encode(["jsonrpc": "2.0", "method": method, "params": params])
    }

    func encode(_ object: [String: Any]) -> Data {
        guard let data = JSONWriter.data(object) else {
            return Data(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"unencodable reply"}}"#.utf8)
        }
        return data
    }
}
