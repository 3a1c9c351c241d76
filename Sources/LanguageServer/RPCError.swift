/// A JSON-RPC error answered to a request: a code from the JSON-RPC or LSP range and one line.
struct RPCError: Error {
    let code: Int
    let message: String

    static func parseError(_ message: String) -> RPCError { RPCError(code: -32700, message: message) }
    static func invalidRequest(_ message: String) -> RPCError { RPCError(code: -32600, message: message) }
    static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "unknown method '\(method)'")
    }
    static func invalidParams(_ message: String) -> RPCError { RPCError(code: -32602, message: message) }
    static func internalError(_ message: String) -> RPCError { RPCError(code: -32603, message: message) }
    static let serverNotInitialized = RPCError(code: -32002, message: "the server is not initialized yet")
}
