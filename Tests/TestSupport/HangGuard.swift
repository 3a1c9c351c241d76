import Dispatch
import Foundation
import Synchronization

/// A guard for a test that would otherwise wait for good if the code under test hung.
///
/// Swift Testing's `.timeLimit` starts its clock before the test body has a thread of the
/// cooperative pool, and other tests' blocking bodies (a daemon under systemd, a kill -9 crash)
/// can hold both of a 2-core machine's for minutes: a body that takes 0.2 s was once reported over
/// its one-minute limit, 318 s after it was announced, the instant those tests ended. This guard's
/// clock starts when the body starts, on a thread of its own.
public enum HangGuard {
    /// The body was still running when the limit passed (the body's thread is left to it).
    public struct StillRunning: Error, CustomStringConvertible {
        public let seconds: Int
        public var description: String { "still running after \(seconds) s: the code under test hung" }
    }

    /// Runs `body` on a thread of its own and returns what it returned (or throws what it threw),
    /// or throws `StillRunning` when it has not ended `seconds` after it started. Record
    /// expectations outside `body`: on its thread they would not reach the running test.
    public static func finishing<T: Sendable>(within seconds: Int, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let ended = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, Error>?>(nil)
        let thread = Thread {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            ended.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        guard ended.wait(timeout: .now() + .seconds(seconds)) == .success else { throw StillRunning(seconds: seconds) }
        return try outcome.withLock { $0! }.get()
    }
}
