import Logging
import PostgresNIO
import Synchronization

/// The store's connections: postgres-nio's pool (`PostgresClient`), replaced by a new one when it
/// stops handing out connections.
///
/// postgres-nio 1.33's pool reconnects by itself after a server restart, but not always cleanly:
/// in reliability scenario 17 a query on a connection the restarting server had closed could
/// wait for ever (so a daemon's operations have a deadline, `withConnection(deadline:_:)`), and
/// one trace log ended with a connection attempt that never finished. Whole test runs saw leases
/// that never came: once with two connections open and idle on the server, once with none at
/// all. So a lease that waits `leaseDeadline` fails (`Wedged`) and replaces the pool: the old one
/// is shut down (its other waiting leases and connections fail, and their callers retry as after
/// any lost connection) and the next lease opens a new one.
final class ConnectionPool: Sendable {
    /// How long a lease may wait for a connection before the pool counts as wedged (default).
    static let leaseDeadline: Duration = .seconds(30)

    private let configuration: PostgresClient.Configuration
    private let leaseDeadline: Duration
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
        let deadline: Duration
        var description: String { "no connection within \(deadline.components.seconds) s; the connection pool was restarted" }
    }

    init(_ configuration: PostgresClient.Configuration, logger: Logger, leaseDeadline: Duration = ConnectionPool.leaseDeadline) {
        self.configuration = configuration
        self.leaseDeadline = leaseDeadline
        self.logger = logger
        current = Mutex(Generation(configuration, logger: logger))
    }

    /// Lends a connection for `body`; throws `Wedged` when none came within `leaseDeadline`.
    ///
    /// The connection is borrowed by a task of its own (`Borrowing`) and handed over, so the wait
    /// ends at the deadline whatever the pool does: a lease that a wedged pool neither grants nor
    /// fails (a whole test run waited for one for good, twice, once with no connection open at
    /// all) cannot hold its caller.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let generation = current.withLock { $0 }
        let borrowing = Borrowing(from: generation.client, within: leaseDeadline)
        let connection: PostgresConnection
        do {
            connection = try await borrowing.connection()
        } catch is Borrowing.Late {
            replace(generation)
            throw Wedged(deadline: leaseDeadline)
        } catch {
            // The old pool fails its waiting leases when it is replaced under them.
            if generation.replaced.withLock({ $0 }) { throw Wedged(deadline: leaseDeadline) }
            throw error
        }
        defer { borrowing.giveBack() }
        return try await body(connection)
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
        let leased = Mutex<PostgresConnection?>(nil)
        let result = try await Self.outcome(within: deadline) {
            try await self.withConnection { connection in
                leased.withLock { $0 = connection }
                return try await body(connection)
            }
        }
        if let result { return result }
        logger.warning("no answer from PostgreSQL within \(deadline.components.seconds) s: the operation is abandoned and its connection closed")
        if let connection = leased.withLock({ $0 }) { Task { try? await connection.close() } }
        throw Unanswered(deadline: deadline)
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
        logger.warning("no PostgreSQL connection within \(leaseDeadline.components.seconds) s: connection pool restarted")
        generation.runner.cancel()
    }

    /// How long `close()` waits for the pool to shut down.
    static let closeDeadline: Duration = .seconds(10)

    /// Shuts the pool down; it cannot be used afterwards. Waits for its connections to close, at
    /// most `closeDeadline`: a pool that does not end is left to the process's exit (logged).
    func close() async {
        let runner = current.withLock { $0 }.runner
        runner.cancel()
        guard (try? await Self.outcome(within: Self.closeDeadline) { await runner.value }) == nil else { return }
        logger.warning("the PostgreSQL connection pool did not shut down within \(Self.closeDeadline.components.seconds) s; its connections close when the process exits")
    }

    /// Runs `operation` in a task of its own and returns what it returned, or nil when `deadline`
    /// came first: the caller stops waiting, and the operation is left to finish (or not) by itself.
    private static func outcome<T: Sendable>(
        within deadline: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        let waiting = Mutex<CheckedContinuation<T?, any Error>?>(nil)
        let resume = { @Sendable (result: Result<T?, any Error>) in
            waiting.withLock { current in defer { current = nil }; return current }?.resume(with: result)
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0 = continuation }
            let timer = Task {
                try? await Task.sleep(for: deadline)
                resume(.success(nil))
            }
            Task {
                do {
                    resume(.success(try await operation()))
                } catch {
                    resume(.failure(error))
                }
                timer.cancel()
            }
        }
    }
}
