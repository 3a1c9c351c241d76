import Foundation
import Testing
@testable import LanguageServer

/// The JSON-RPC lifecycle, and malformed input answered with errors, never an exit.
struct ProtocolTests {
    @Test func lifecycle() throws {
        let client = try TestClient()
        let early = try client.request("textDocument/hover", client.at("a.rules", 0, 0))
        #expect((early["error"] as? [String: Any])?["code"] as? Int == -32002)
        let initialize = try #require(try client.result("initialize", ["capabilities": [:] as [String: Any]]) as? [String: Any])
        let capabilities = initialize["capabilities"] as? [String: Any] ?? [:]
        for capability in ["hoverProvider", "definitionProvider", "documentFormattingProvider"] {
            #expect(capabilities[capability] as? Bool == true, "\(capability)")
        }
        #expect((capabilities["textDocumentSync"] as? [String: Any])?["change"] as? Int == 1)
        #expect(capabilities["completionProvider"] != nil)
        #expect(try client.result("shutdown") == nil)
        let late = try client.request("textDocument/hover", client.at("a.rules", 0, 0))
        #expect((late["error"] as? [String: Any])?["code"] as? Int == -32600)
        #expect(client.server.exitStatus == nil)
        client.notify("exit")
        #expect(client.server.exitStatus == 0)
    }

    @Test func exitWithoutShutdownFails() throws {
        let client = try TestClient()
        try client.initialize()
        client.notify("exit")
        #expect(client.server.exitStatus == 1)
    }

    @Test func malformedMessagesGetErrors() throws {
        let client = try TestClient()
        try client.initialize()
        func errorCode(_ body: String) -> Int? {
            let replies = client.server.handle(Array(body.utf8)).map(TestClient.decode)
            #expect(replies.count == 1, "\(body)")
            return (replies.first?["error"] as? [String: Any])?["code"] as? Int
        }
        #expect(errorCode("{not json") == -32700)
        #expect(errorCode("") == -32700)
        #expect(errorCode("[1, 2]") == -32600)
        #expect(errorCode("42") == -32600)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":1}"#) == -32600)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}"#) == -32600)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":2,"method":"no/such"}"#) == -32601)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":7}"#) == -32602)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":4,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///x.rules"},"position":{"line":"a"}}}"#) == -32602)
        #expect(errorCode(#"{"jsonrpc":"2.0","id":5,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///nowhere/x.rules"},"position":{"line":0,"character":0}}}"#) == -32602)
        // Bad notifications are dropped without a reply; the server still answers.
        client.notify("textDocument/didOpen", ["textDocument": 3])
        client.notify("textDocument/didChange", ["textDocument": ["uri": 1], "contentChanges": "x"])
        client.open("ok.rules", "segment s = orders >= 1\n")
        let hover = try client.result("textDocument/hover", client.at("ok.rules", 0, 14))
        #expect(hover != nil)
        #expect(client.server.exitStatus == nil)
    }

    @Test func rangeChangesApplyToTheText() throws {
        let client = try TestClient()
        try client.initialize()
        client.open("r.rules", "segment s = orders >= 1\n")
        client.notify("textDocument/didChange", [
            "textDocument": ["uri": client.uri("r.rules"), "version": 2],
            "contentChanges": [["range": ["start": TestClient.position(0, 12), "end": TestClient.position(0, 18)], "text": "spent"]],
        ])
        let hover = try #require(try client.result("textDocument/hover", client.at("r.rules", 0, 14)) as? [String: Any])
        #expect(((hover["contents"] as? [String: Any])?["value"] as? String)?.hasPrefix("`spent") == true)
    }
}

/// Content-Length framing over a real pipe, and the stdio loop surviving broken frames.
struct FramingTests {
    static func frame(_ body: String) -> [UInt8] { Array("Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8) }

    static func pipe(_ bytes: [UInt8]) -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        #expect(Foundation.pipe(&descriptors) == 0)
        bytes.withUnsafeBytes { _ = Foundation.write(descriptors[1], $0.baseAddress, $0.count) }
        return (descriptors[0], descriptors[1])
    }

    @Test func readsFramesAndSkipsBrokenHeaders() {
        let input = Self.frame(#"{"a":1}"#) + Array("Content-Type: x\r\n\r\n".utf8) + Self.frame("é")
            + Array("Content-Length: 99999999999\r\n\r\n".utf8) + Self.frame("{}") + Array("Content-Length: 10\r\n\r\n{}".utf8)
        let (read, write) = Self.pipe(input)
        close(write)
        defer { close(read) }
        var reader = MessageReader(descriptor: read)
        #expect(reader.next() == .message(Array(#"{"a":1}"#.utf8)))
        guard case .malformed = reader.next() else { Issue.record("a header without Content-Length"); return }
        #expect(reader.next() == .message(Array("é".utf8)))
        guard case .malformed = reader.next() else { Issue.record("an oversized Content-Length"); return }
        #expect(reader.next() == .message(Array("{}".utf8)))
        guard case .malformed = reader.next() else { Issue.record("input ending inside a body"); return }
        #expect(reader.next() == .endOfInput)
        #expect(reader.next() == .endOfInput)
    }

    @Test func serveAnswersBrokenInputAndExitsOnExit() throws {
        let messages = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
            "garbage",
            #"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
            #"{"jsonrpc":"2.0","method":"exit"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#,
        ]
        var input = Self.frame(messages[0]) + Self.frame(messages[1]) + Array("Bogus\r\n\r\n".utf8)
        for message in messages[2...] { input += Self.frame(message) }
        let (inputRead, inputWrite) = Self.pipe(input)
        close(inputWrite)
        let (outputRead, outputWrite) = Self.pipe([])
        let server = LanguageServer(version: "test") { _ in nil }
        let status = server.serve(input: inputRead, output: outputWrite)
        close(inputRead)
        close(outputWrite)
        #expect(status == 0)
        var reader = MessageReader(descriptor: outputRead)
        var replies: [[String: Any]] = []
        while case .message(let body) = reader.next() { replies.append(TestClient.decode(Data(body))) }
        close(outputRead)
        // initialize's result, two parse errors, shutdown's null; nothing after exit.
        #expect(replies.count == 4)
        #expect(replies.map { $0["id"] as? Int } == [1, nil, nil, 2])
        #expect(replies.dropFirst().prefix(2).allSatisfy { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 })
    }
}

/// Replies are written by `JSONWriter`; what it writes must read back the same.
struct JSONWriterTests {
    @Test func writesWhatJSONSerializationReadsBack() throws {
        let value: [String: Any] = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{7} 🎂 ä",
            "number": -42, "flag": true, "off": false, "nothing": NSNull(),
            "list": [1, "two", ["three": 3]] as [Any], "empty": [:] as [String: Any], "none": [] as [Any],
        ]
        let data = try #require(JSONWriter.data(value))
        let read = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(read["text"] as? String == value["text"] as? String)
        #expect(read["number"] as? Int == -42)
        #expect(read["flag"] as? Bool == true && read["off"] as? Bool == false)
        #expect(read["nothing"] is NSNull)
        let list = try #require(read["list"] as? [Any])
        #expect(list.count == 3 && list[1] as? String == "two" && (list[2] as? [String: Any])?["three"] as? Int == 3)
        #expect(String(decoding: data, as: UTF8.self).hasPrefix(#"{"empty":{},"flag":true,"list":[1,"two",{"three":3}]"#))
        #expect(JSONWriter.data(["date": Date()]) == nil)
    }
}
