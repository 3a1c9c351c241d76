import Foundation

/// Typed reads from a JSON-RPC `params` object (as `JSONSerialization` returns it), throwing
/// `invalidParams` with the missing key's path.
struct JSONParams {
    let object: [String: Any]

    init(_ value: Any?) throws {
        guard let object = value as? [String: Any] else { throw RPCError.invalidParams("params must be an object") }
        self.object = object
    }

    func object(_ key: String) throws -> JSONParams {
        guard let value = object[key] as? [String: Any] else { throw RPCError.invalidParams("missing object '\(key)'") }
        return try JSONParams(value)
    }

    func string(_ key: String) throws -> String {
        guard let value = object[key] as? String else { throw RPCError.invalidParams("missing string '\(key)'") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = object[key] as? Int else {
            throw RPCError.invalidParams("missing integer '\(key)'")
        }
        return value
    }

    /// `textDocument.uri`.
    func documentURI() throws -> String { try object("textDocument").string("uri") }

    /// `position` as a line and a UTF-16 character.
    func position() throws -> (line: Int, character: Int) {
        let position = try object("position")
        return (try position.int("line"), try position.int("character"))
    }
}
