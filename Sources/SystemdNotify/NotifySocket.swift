#if canImport(Glibc)
import Glibc
#endif

/// The `$NOTIFY_SOCKET` address, and how one datagram is sent to it.
///
/// A new socket is opened for each message, as `sd_notify` does: messages are rare (a watchdog
/// ping every few tens of seconds), and no descriptor stays open for the daemon's lifetime.
struct NotifySocket: Sendable {
    /// The address, or nil when the variable's value cannot be one (neither `/` nor `@` first,
    /// or too long for `sun_path`): sending then fails, so the mistake is reported, not hidden.
    private let address: sockaddr_un?
    /// How many bytes of `address` count.
    private let length: socklen_t

    /// Parses `/path` or `@abstract-name`. An abstract name has its `@` replaced by NUL and no
    /// terminator; a path keeps its terminating NUL, as `sd_notify` does.
    init(address text: String) {
        var bytes = Array(text.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathLength = bytes.count + (isAbstract ? 0 : 1)
        guard isAbstract || bytes.first == UInt8(ascii: "/"),
            pathLength <= MemoryLayout.size(ofValue: address.sun_path)
        else {
            (self.address, length) = (nil, 0)
            return
        }
        if isAbstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        self.address = address
        length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathLength)
    }

    /// Sends `message` in one datagram. False if the address is unusable or a socket call failed.
    func send(_ message: String) -> Bool {
        guard var address else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let payload = Array(message.utf8)
        var sent: Int
        repeat {
            sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, length)
                    }
                }
            }
        } while sent < 0 && errno == EINTR
        return sent == payload.count
    }
}
