import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Unpredictable bytes from the kernel, read 4 KiB at a time: a tick makes some 400,000 send
/// ids, and `SystemRandomNumberGenerator` makes one `getrandom` call per 8 bytes (two per id,
/// 3 % of the tick's writer thread). Falls back to that generator when `/dev/urandom` cannot be
/// read.
final class RandomBytes: Sendable {
    static let shared = RandomBytes()

    private struct State {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var next = 4096
        var descriptor: Int32 = -1
    }
    private let state = Mutex(State())

    /// The next 8 random bytes as a number.
    func next() -> UInt64 {
        state.withLock { state in
            if state.next + 8 > state.buffer.count && !Self.refill(&state) {
                var generator = SystemRandomNumberGenerator()
                return generator.next()
            }
            var value: UInt64 = 0
            for offset in 0..<8 { value = value << 8 | UInt64(state.buffer[state.next + offset]) }
            state.next += 8
            return value
        }
    }

    /// Fills the buffer from `/dev/urandom`; false when it cannot be read whole.
    private static func refill(_ state: inout State) -> Bool {
        if state.descriptor < 0 { state.descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
        guard state.descriptor >= 0 else { return false }
        let count = state.buffer.count
        let descriptor = state.descriptor
        var filled = 0
        while filled < count {
            let read = state.buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { return false }
            filled += read
        }
        state.next = 0
        return true
    }
}
