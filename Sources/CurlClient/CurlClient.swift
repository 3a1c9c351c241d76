import CCurl

/// The only way campaignd talks to libcurl: HTTP POSTs and SMTP sends over a small pool of
/// reused connections, driven by one dedicated thread (see `CurlMultiLoop`).
///
/// `perform` may be called from many tasks at once; at most `connections` transfers run at a
/// time and the rest wait in order. Every transfer verifies TLS, follows no redirects and has a
/// timeout. When the client is released, queued transfers finish and the thread ends.
public final class CurlClient: Sendable {
    private let loop: CurlMultiLoop
    public let connections: Int

    /// - Parameters:
    ///   - connections: transfers (and so connections) at once.
    ///   - name: names the thread, e.g. `"smtp"`.
    public init(connections: Int, name: String) {
        self.connections = max(1, connections)
        loop = CurlMultiLoop(connections: connections, name: name)
    }

    deinit { loop.stop() }

    /// Runs one transfer and returns what came back; libcurl failures are in `error`.
    public func perform(_ request: CurlRequest) async -> CurlResponse {
        await withCheckedContinuation { continuation in
            loop.submit(CurlTransfer(request: request, continuation: continuation))
        }
    }

    /// The libcurl version string, e.g. `"libcurl/7.88.1 OpenSSL/3.0.15 …"`.
    public static var version: String {
        CurlGlobal.initialize()
        return String(cString: curl_version())
    }
}
