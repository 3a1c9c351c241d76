import Engine
import Synchronization

/// A clock the test moves: `now()` changes only through `advance` and `sleep`.
///
/// `sleep(seconds:)` moves the clock forward by `seconds` at once (then yields), so a loop
/// that waits on it (`TickService`, `DispatchService`, a rate limit's `TokenBucket`) runs
/// through simulated time without waiting in real time. One behaviour serves every test: the
/// HTTP listener's tests, whose copy slept 10 ms of real time instead, never reach a
/// `sleep` (they tick and dispatch by hand and run no engine service).
public final class ManualClock: EngineClock {
    private let time: Mutex<Double>

    public init(_ start: Double) { time = Mutex(start) }

    public func now() -> Double { time.withLock { $0 } }

    public func advance(_ seconds: Double) { time.withLock { $0 += seconds } }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        if seconds > 0 { advance(seconds) }
        await Task.yield()
    }
}
