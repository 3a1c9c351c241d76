import CustomerStore
import GRDB
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL customer store: connects through a pool (postgres-nio's `PostgresClient`) and
/// owns every access to the database, as `CustomerStore` does for SQLite. Not yet used by the
/// daemon or the commands.
public final class PostgresStore: Sendable {
    /// Where the server is and who connects.
    public struct Location: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// Connections in the pool.
        public var poolSize: Int
        /// How long opening the store waits for its first connection.
        public var connectTimeout: Duration

        public init(
            host: String, port: Int = 5432, user: String, password: String? = nil, database: String, poolSize: Int = 8,
            connectTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.poolSize = poolSize
            self.connectTimeout = connectTimeout
        }

        /// `host:port/database`, for messages (never the password).
        public var description: String { "\(host):\(port)/\(database)" }
    }

    let client: PostgresClient
    let logger: Logger
    public let location: Location
    private let runner: Task<Void, Never>

    /// Connects: fails in one line when no connection answers within `location.connectTimeout`.
    public init(_ location: Location, logger: Logger = Logger(label: "campaignd.postgres")) async throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.maximumConnections = max(location.poolSize, 1)
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        do {
            try await Self.firstConnection(client, within: location.connectTimeout)
        } catch {
            runner.cancel()
            await runner.value
            throw PostgresStoreError.explaining(error, location: location, operation: "open store")
        }
        self.client = client
        self.logger = logger
        self.location = location
        self.runner = runner
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// Lends a pooled connection.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection) }
    }

    /// Waits for one connection to answer, at most `timeout`: the pool itself retries forever.
    private static func firstConnection(_ client: PostgresClient, within timeout: Duration) async throws {
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await client.withConnection { try await $0.execute("SELECT 1") }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        if !answered { throw ConnectTimeout(timeout: timeout) }
    }

    struct ConnectTimeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no connection within \(timeout.components.seconds) s" }
    }
}
