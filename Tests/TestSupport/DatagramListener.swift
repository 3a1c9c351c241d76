import Foundation
import Glibc

/// A Unix datagram socket bound the way systemd binds `$NOTIFY_SOCKET`, for the tests to
/// receive what the notifier or the daemon sends.
public final class DatagramListener: @unchecked Sendable {  // its socket is only read
    /// The value for `$NOTIFY_SOCKET`: the path, or `@` and the abstract name.
    public let address: String
    private let descriptor: Int32

    /// Binds a fresh path in the temporary directory.
    public convenience init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).sock").path
        try self.init(address: path)
    }

    /// Binds a fresh abstract name.
    public static func abstract() throws -> DatagramListener {
        try DatagramListener(address: "@campaignd-notify-test-\(UUID().uuidString)")
    }

    private init(address: String) throws {
        self.address = address
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListenerError("socket: errno \(errno)") }
        var name = sockaddr_un()
        name.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        if isAbstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &name.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (isAbstract ? 0 : 1))
        let bound = withUnsafePointer(to: &name) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw ListenerError("bind \(address): errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        if address.hasPrefix("/") { unlink(address) }
    }

    /// The next datagram as text, waiting at most five seconds.
    public func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw ListenerError("recv: errno \(errno)") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    public struct ListenerError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Receives datagrams until one contains `line` (a line of it), within `seconds`; returns
    /// every datagram received on the way, that one included.
    public func wait(for line: String, seconds: Double = 30) throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var seen: [String] = []
        while Date() < deadline {
            guard let message = try? receive() else { continue }
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(line)) { return seen }
        }
        throw ListenerError("no \(line) within \(seconds) s; received \(seen)")
    }

    /// `wait(for:seconds:)` for an async test: the wait runs off the cooperative pool (`OffPool`).
    public func arrival(of line: String, seconds: Double = 30) async throws -> [String] {
        try await OffPool.run { try self.wait(for: line, seconds: seconds) }
    }
}
