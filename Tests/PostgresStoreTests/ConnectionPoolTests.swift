import Logging
import PostgresNIO
@testable import PostgresStore
import Testing
import TestSupport

/// The pool's guard: a lease ends at its deadline whatever postgres-nio's pool does, a cancelled
/// caller stops waiting, and a borrowed connection goes back to the pool however its body ends.
@Suite("PostgreSQL: the connection pool's guard")
struct ConnectionPoolTests {
    /// A pool of `size` connections to `port` on 127.0.0.1.
    private static func pool(port: Int, database: String = "nowhere", size: Int = 1, leaseDeadline: Duration) -> ConnectionPool {
        var configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: port, username: "campaignd", password: nil, database: database, tls: .disable)
        configuration.options.maximumConnections = size
        configuration.options.connectTimeout = .seconds(10)
        return ConnectionPool(configuration, logger: PostgresSQL.quiet, leaseDeadline: leaseDeadline)
    }

    @Test("a pool that lends no connection: the lease fails at its deadline, in one line, and the pool is replaced")
    func wedged() async throws {
        // The pool's connection attempts to a port that never answers last its 10 s connect
        // timeout each, and it retries for at least a minute: its lease would wait that long.
        let listener = try SilentListener()
        defer { listener.close() }
        let pool = Self.pool(port: listener.port, leaseDeadline: .seconds(1))
        let error = await #expect(throws: ConnectionPool.Wedged.self) {
            try await pool.withConnection { try await $0.execute("SELECT 1") }
        }
        #expect(error?.description == "no connection within 1 s; the connection pool was restarted")
        // The next lease asks the new pool, which fails the same way (nothing answers yet).
        await #expect(throws: ConnectionPool.Wedged.self) {
            try await pool.withConnection { try await $0.execute("SELECT 1") }
        }
        await pool.close()
    }

    @Test("a caller cancelled while it waits for a connection stops waiting")
    func cancelled() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let pool = Self.pool(port: listener.port, leaseDeadline: .seconds(600))
        let waiting = Task { try await pool.withConnection { try await $0.execute("SELECT 1") } }
        try await Task.sleep(for: .milliseconds(200))
        waiting.cancel()
        // Ends long before the lease deadline, with the cancellation (or the pool's own error for it).
        let result = await waiting.result
        #expect(throws: (any Error).self) { try result.get() }
        await pool.close()
    }

    @Test("a borrowed connection goes back to the pool when its body returns or throws")
    func givenBack() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        // One connection: a lease not given back would leave the next waiting until its deadline.
        let pool = Self.pool(port: server.port, database: database, size: 1, leaseDeadline: .seconds(120))
        struct Planned: Error {}
        for round in 1...3 {
            let answer = try await pool.withConnection { connection in
                try await connection.rows("SELECT \(round) + 1").first?.first.flatMap { $0.int }
            }
            #expect(answer == round + 1)
            await #expect(throws: Planned.self) {
                try await pool.withConnection { _ in throw Planned() }
            }
        }
        await pool.close()
    }
}
