/// What a transfer ended with. `code` is the protocol's reply code even when libcurl reports an
/// error: an SMTP 450 at end of data comes back as CURLE_WEIRD_SERVER_REPLY with code 450.
public struct CurlResponse: Sendable {
    /// CURLINFO_RESPONSE_CODE: the HTTP status, or the last SMTP reply code; 0 when none came.
    public var code: Int
    /// Response header fields in order (HTTP only; the final response's, not a 1xx's).
    public var headers: [CurlHeader]
    public var body: [UInt8]
    /// nil when libcurl reported success.
    public var error: CurlError?
    /// Connections opened for this transfer (0 when an existing one was reused).
    public var newConnections: Int

    public init(code: Int, headers: [CurlHeader] = [], body: [UInt8] = [], error: CurlError? = nil, newConnections: Int = 0) {
        self.code = code
        self.headers = headers
        self.body = body
        self.error = error
        self.newConnections = newConnections
    }

    /// The first header field named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name.lowercased() == name }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One response header field.
public struct CurlHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
