import Logging
import PostgresNIO
import Synchronization

/// The store's connections: postgres-nio's pool (`PostgresClient`), replaced by a new one when it
/// stops handing out connections.
///
/// postgres-nio 1.33's pool reconnects by itself after a server restart, but not always cleanly:
/// in reliability scenario 17 a query on a connection the restarting server had closed could
/// wait for ever (so a daemon's operations have a deadline, `withConnection(deadline:_:)`), and
/// one trace log ended with a connection attempt that never finished. Whether the pool can wedge
/// that way was not confirmed, so as a guard a lease that waits `leaseDeadline` replaces the pool:
/// the old one is shut down (its waiting leases and connections fail, and their callers retry as
/// after any lost connection) and the next lease opens a new one.
final class ConnectionPool: Sendable {
    /// How long a lease may wait for a connection before the pool counts as wedged.
    static let leaseDeadline: Duration = .seconds(30)

    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let current: Mutex<Generation>

    /// One pool and the task running it.
    final class Generation: Sendable {
        let client: PostgresClient
        let runner: Task<Void, Never>
        let replaced = Mutex(false)

        init(_ configuration: PostgresClient.Configuration, logger: Logger) {
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            self.client = client
            runner = Task { await client.run() }
        }
    }

    /// Why a lease failed: the pool handed out no connection in time and was replaced.
    struct Wedged: Error, CustomStringConvertible {
        var description: String {
            "no connection within \(ConnectionPool.leaseDeadline.components.seconds) s; the connection pool was restarted"
        }
    }

    init(_ configuration: PostgresClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        current = Mutex(Generation(configuration, logger: logger))
    }

    /// The pool in use now.
    var client: PostgresClient { current.withLock { $0.client } }

    /// Lends a connection for `body`; throws `Wedged` when none came within `leaseDeadline`.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let generation = current.withLock { $0 }
        let leased = Mutex(false)
        let watchdog = Task { [weak self] in
            try? await Task.sleep(for: Self.leaseDeadline)
            guard !Task.isCancelled, !leased.withLock({ $0 }) else { return }
            self?.replace(generation)
        }
        defer { watchdog.cancel() }
        do {
            return try await generation.client.withConnection { connection in
                leased.withLock { $0 = true }
                watchdog.cancel()
                return try await body(connection)
            }
        } catch {
            if !leased.withLock({ $0 }) && generation.replaced.withLock({ $0 }) { throw Wedged() }
            throw error
        }
    }

    /// Why an operation failed: it had not finished within its deadline.
    struct Unanswered: Error, CustomStringConvertible {
        let deadline: Duration
        var description: String { "no answer within \(deadline.components.seconds) s; the connection was closed" }
    }

    /// `withConnection` that gives up after `deadline`: the caller gets `Unanswered` and the
    /// connection is closed. Seen in scenario 17 too: a query whose connection the restarting
    /// server closed could wait for ever, and closing the connection did not end the wait; so
    /// `body` runs in a task of its own, which is left to finish (or not) by itself.
    func withConnection<T: Sendable>(
        deadline: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let finish = Finish<T>()
        return try await withCheckedThrowingContinuation { continuation in
            finish.continuation.withLock { $0 = continuation }
            let timer = Task { [logger] in
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled, finish.resume(.failure(Unanswered(deadline: deadline))) else { return }
                logger.warning("no answer from PostgreSQL within \(deadline.components.seconds) s: the operation is abandoned and its connection closed")
                try? await finish.connection.withLock({ $0 })?.close()
            }
            Task {
                do {
                    let result = try await self.withConnection { leased in
                        finish.connection.withLock { $0 = leased }
                        return try await body(leased)
                    }
                    finish.resume(.success(result))
                } catch {
                    finish.resume(.failure(error))
                }
                timer.cancel()
            }
        }
    }

    /// Resumes a continuation once: with the operation's result or the deadline's error,
    /// whichever comes first; and holds the operation's connection, to close at the deadline.
    final class Finish<T: Sendable>: Sendable {
        let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
        /// The operation's connection, once it has one.
        let connection = Mutex<PostgresConnection?>(nil)

        /// Whether this call resumed it (false when it was resumed already).
        @discardableResult
        func resume(_ result: Result<T, any Error>) -> Bool {
            guard let continuation = continuation.withLock({ current in defer { current = nil }; return current }) else { return false }
            continuation.resume(with: result)
            return true
        }
    }

    /// Swaps `generation` for a new pool (unless that already happened) and shuts it down.
    private func replace(_ generation: Generation) {
        let swapped = current.withLock { current -> Bool in
            guard current === generation else { return false }
            current = Generation(configuration, logger: logger)
            return true
        }
        guard swapped else { return }
        generation.replaced.withLock { $0 = true }
        logger.warning("no PostgreSQL connection within \(Self.leaseDeadline.components.seconds) s: connection pool restarted")
        generation.runner.cancel()
    }

    /// Shuts the pool down; it cannot be used afterwards.
    func close() async {
        let generation = current.withLock { $0 }
        generation.runner.cancel()
        await generation.runner.value
    }
}
