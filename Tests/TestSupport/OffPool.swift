import Foundation

/// Blocking work a test waits for (a child process, a socket read) run on a thread of its own,
/// while the test's task is suspended.
///
/// A synchronous wait in a test body holds one of the cooperative pool's threads for as long as it
/// waits: two threads on a 2-core machine, shared by every test running at once and by
/// postgres-nio's connection pool. Tests that waited that way for minutes (the kill -9 crash test
/// alone for 150 s) left the other tests' tasks queued behind them, and PostgreSQL operations in
/// those tests ran past their 20–30 s deadlines.
public enum OffPool {
    /// Runs `body` on a new thread and returns (or throws) what it did. Record expectations
    /// outside `body`: on its thread they would not reach the running test.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
