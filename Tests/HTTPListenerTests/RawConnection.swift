import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to the listener on 127.0.0.1, for clients no HTTP library would be:
/// ones that send half a request and wait, or trickle it. Never blocks on reads.
final class RawConnection {
    let fd: Int32
    let openedAt = ContinuousClock.now
    private(set) var received: [UInt8] = []
    private(set) var closedAt: ContinuousClock.Instant?

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnectionError(operation: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw RawConnectionError(operation: "connect to 127.0.0.1:\(port)", code: code)
        }
    }

    deinit { Glibc.close(fd) }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        send(Array(text.utf8))
    }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads what has arrived without waiting; true once the server has closed the connection
    /// (end of stream or reset).
    func isClosed() -> Bool {
        guard closedAt == nil else { return true }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += buffer[..<count]
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                closedAt = .now
                return true
            }
            return false
        }
    }

    /// The text received so far.
    var text: String { String(decoding: received, as: UTF8.self) }

    /// Waits until the text received starts with `prefix` or the server closes the connection,
    /// checking every 50 ms, or until `limit`; returns whether the text starts with `prefix`.
    func waitForText(prefix: String, limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let closed = isClosed()
            if text.hasPrefix(prefix) { return true }
            if closed || ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until every connection is closed by the server, checking every 50 ms, or until
    /// `limit`; returns how many are still open.
    static func waitUntilClosed(_ connections: [RawConnection], limit: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        while true {
            let open = connections.filter { !$0.isClosed() }.count
            if open == 0 || ContinuousClock.now >= deadline { return open }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
