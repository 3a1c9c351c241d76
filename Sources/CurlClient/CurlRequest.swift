/// One transfer for `CurlClient`: an HTTP POST or an SMTP send.
///
/// TLS certificates and host names are always verified; redirects are never followed.
public struct CurlRequest: Sendable {
    /// What to transfer.
    public enum Payload: Sendable {
        /// `POST` of `body` with extra header lines (`Name: value`).
        case httpPost(body: [UInt8], headers: [String])
        /// One message over SMTP: the envelope sender, the envelope recipients and the RFC 5322
        /// message (CRLF line ends; libcurl dot-stuffs it). Addresses must already be validated.
        case mail(from: String, recipients: [String], message: [UInt8])
    }

    /// `http(s)://…` or `smtp(s)://…`.
    public var url: String
    public var payload: Payload
    /// Names the operation in errors, e.g. `"webhook POST"` or `"SMTP send"`.
    public var operation: String
    /// Credentials: HTTP basic auth, or SMTP AUTH. Never logged.
    public var username: String?
    public var password: String?
    /// The whole transfer, connecting included.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// SMTP: require STARTTLS (`smtp://`) before anything is sent. Ignored for `smtps://` (TLS
    /// from the start) and for HTTP.
    public var requireSTARTTLS: Bool

    public init(
        url: String, payload: Payload, operation: String, username: String? = nil, password: String? = nil,
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10), requireSTARTTLS: Bool = true
    ) {
        self.url = url
        self.payload = payload
        self.operation = operation
        self.username = username
        self.password = password
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.requireSTARTTLS = requireSTARTTLS
    }

    /// The host part of `url`, for error messages.
    public var host: String { Self.host(of: url) ?? url }

    /// The host of a `scheme://[user@]host[:port]/…` URL, without brackets for IPv6.
    public static func host(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var rest = url[schemeEnd.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }

    /// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or `::1`.
    public static func isLoopback(host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
