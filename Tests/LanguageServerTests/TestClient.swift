import Foundation
import RuleLanguage
import Testing
@testable import LanguageServer

/// Drives a `LanguageServer` in process, message by message, as an editor would; and writes a
/// scratch rules directory (`rules/` with `templates/` beside it) that it removes when released.
final class TestClient {
    let server: LanguageServer
    let root: URL
    let rules: URL
    private var nextID = 1

    init(files: [String: String] = [:], emailTemplates: [String] = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-lsp-\(UUID().uuidString)")
        rules = root.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let email = root.appendingPathComponent("templates/email")
        try FileManager.default.createDirectory(at: email, withIntermediateDirectories: true)
        for name in emailTemplates {
            for part in ["subject", "text"] {
                try Data("x".utf8).write(to: email.appendingPathComponent("\(name).\(part).mustache"))
            }
        }
        for (name, text) in files { try Data(text.utf8).write(to: rules.appendingPathComponent(name)) }
        let templates = root.appendingPathComponent("templates").path
        server = LanguageServer(version: "test") { _ in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: templates + "/email")) ?? []
            let subjects = Set(names.filter { $0.hasSuffix(".subject.mustache") }.map { String($0.dropLast(17)) })
            return CheckEnvironment(
                emailTemplates: subjects, letterTemplates: [], webhookEndpoints: ["crm"], templatesDirectory: templates)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: rules.appendingPathComponent(name))
    }

    func uri(_ name: String) -> String { rules.appendingPathComponent(name).absoluteString }

    /// Sends a request and returns its response object.
    @discardableResult
    func request(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let replies = send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        try #require(replies.count == 1, "one reply to \(method), got \(replies.count)")
        let reply = replies[0]
        #expect(reply["id"] as? Int == id)
        return reply
    }

    /// A request's `result`, failing the test on an error response.
    func result(_ method: String, _ params: [String: Any] = [:]) throws -> Any? {
        let reply = try request(method, params)
        #expect(reply["error"] == nil, "\(method) failed: \(reply["error"] ?? "")")
        let result = reply["result"]
        return result is NSNull ? nil : result
    }

    func notify(_ method: String, _ params: [String: Any] = [:]) {
        let replies = send(["jsonrpc": "2.0", "method": method, "params": params])
        #expect(replies.isEmpty, "a notification got a reply: \(replies)")
    }

    func send(_ message: [String: Any]) -> [[String: Any]] {
        let body = try! JSONSerialization.data(withJSONObject: message)
        return server.handle([UInt8](body)).map(Self.decode)
    }

    static func decode(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    func initialize() throws {
        _ = try result("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": [:] as [String: Any]])
        notify("initialized")
    }

    func open(_ name: String, _ text: String) {
        notify("textDocument/didOpen", [
            "textDocument": ["uri": uri(name), "languageId": "campaignd-rules", "version": 1, "text": text]
        ])
    }

    func change(_ name: String, _ text: String, version: Int = 2) {
        notify("textDocument/didChange", [
            "textDocument": ["uri": uri(name), "version": version], "contentChanges": [["text": text]],
        ])
    }

    /// The diagnostics published when the input goes quiet, by URI (files whose diagnostics did
    /// not change are absent).
    func diagnostics() -> [String: [[String: Any]]] {
        var byURI: [String: [[String: Any]]] = [:]
        for message in server.publishPendingDiagnostics().map(Self.decode) {
            #expect(message["method"] as? String == "textDocument/publishDiagnostics")
            let params = message["params"] as? [String: Any] ?? [:]
            byURI[params["uri"] as? String ?? ""] = params["diagnostics"] as? [[String: Any]] ?? []
        }
        return byURI
    }

    static func position(_ line: Int, _ character: Int) -> [String: Any] { ["line": line, "character": character] }

    func at(_ name: String, _ line: Int, _ character: Int) -> [String: Any] {
        ["textDocument": ["uri": uri(name)], "position": Self.position(line, character)]
    }
}

/// `{start: {line, character}, end: …}` as four numbers, for comparing.
func rangeNumbers(_ value: Any?) -> [Int] {
    let range = value as? [String: Any] ?? [:]
    let start = range["start"] as? [String: Any] ?? [:]
    let end = range["end"] as? [String: Any] ?? [:]
    return [start["line"], start["character"], end["line"], end["character"]].map { $0 as? Int ?? -1 }
}
