import Foundation

/// Where the engine reads the time and waits: the real clock in the daemon, a manual one in tests.
public protocol EngineClock: Sendable {
    /// Now, in Unix seconds (fractional).
    func now() -> Double
    /// Waits `seconds`, or throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// The system clock.
public struct SystemClock: EngineClock {
    public init() {}

    public func now() -> Double { Date().timeIntervalSince1970 }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}
