import CCurl

/// A transfer that libcurl reported as failed, naming the operation and the host.
public struct CurlError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The CURLcode.
    public var code: Int
    /// What was being done, e.g. `"webhook POST"`.
    public var operation: String
    public var host: String
    /// libcurl's error buffer, or its description of `code`.
    public var detail: String

    public init(code: Int, operation: String, host: String, detail: String) {
        self.code = code
        self.operation = operation
        self.host = host
        self.detail = detail
    }

    /// The transfer or the connect took longer than allowed.
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }

    /// No connection could be made (refused, unreachable, name not resolved).
    public var isConnectFailure: Bool {
        [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY].map { Int($0.rawValue) }.contains(code)
    }

    /// TLS was required but could not be had (no STARTTLS offered, handshake or verification failed).
    public var isTLSFailure: Bool {
        [CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE]
            .map { Int($0.rawValue) }.contains(code)
    }

    public var description: String { "\(operation) to \(host) failed: \(detail)" }
}
