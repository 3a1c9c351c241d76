import Engine
import Synchronization

/// The engine's clock in a rule test: it reads the simulated instant the runner sets, and a
/// wait moves it on at once, so nothing waits in real time.
final class SimulatedClock: EngineClock {
    private let time: Mutex<Double>

    init(_ start: Int64) { time = Mutex(Double(start)) }

    func now() -> Double { time.withLock { $0 } }

    /// Moves the clock to `instant` (never back).
    func set(_ instant: Int64) { time.withLock { $0 = max($0, Double(instant)) } }

    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        if seconds > 0 { time.withLock { $0 += seconds } }
        await Task.yield()
    }
}
