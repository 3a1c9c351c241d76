import Foundation

/// The system clock moved to start at another instant: `run --once --at` ticks and dispatches
/// as of that instant, so the send log records deliveries then, and time still passes.
public struct ShiftedClock: EngineClock {
    private let offset: Double

    /// A clock that reads `instant` now and advances with the system clock.
    public init(startingAt instant: Double) {
        offset = instant - Date().timeIntervalSince1970
    }

    public func now() -> Double { Date().timeIntervalSince1970 + offset }

    public func sleep(seconds: Double) async throws {
        try await SystemClock().sleep(seconds: seconds)
    }
}
