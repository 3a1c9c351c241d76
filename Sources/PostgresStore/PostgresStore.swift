import CustomerStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The PostgreSQL customer store: connects through a pool (postgres-nio's `PostgresClient`),
/// runs the named migrations (`PostgresMigrations`) under an advisory lock, and owns every
/// access to the database, as `CustomerStore` does for SQLite.
///
/// The schema has the SQLite store's tables, columns and indexes, with the facts kept by plpgsql
/// triggers and campaignd's SQL functions in plpgsql, so rules compiled with
/// `SQLDialect.postgres` give the same audiences. Not yet used by the daemon or the commands.
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
        /// Whether connections use TLS, and what they check.
        public var tls: TLS

        /// libpq's `sslmode` values campaignd offers.
        public enum TLS: Sendable, Equatable {
            /// Plain TCP (`disable`).
            case disable
            /// TLS without checking the server's certificate (`require`): no eavesdropping, but
            /// no protection against a server impersonating the real one.
            case require
            /// TLS with the certificate checked against trusted CAs (the PEM file
            /// `rootCertificates`, else the system's) and the host name (`verify-full`).
            case verifyFull(rootCertificates: String?)
        }

        public init(
            host: String, port: Int = 5432, user: String, password: String? = nil, database: String, poolSize: Int = 8,
            connectTimeout: Duration = .seconds(10), tls: TLS = .disable
        ) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.poolSize = poolSize
            self.connectTimeout = connectTimeout
            self.tls = tls
        }

        /// `host:port/database`, for messages (never the password).
        public var description: String { "\(host):\(port)/\(database)" }
    }

    let pool: ConnectionPool
    let logger: Logger
    public let location: Location
    /// ISO 4217 code of the store's currency, fixed when the store is created.
    public let currency: String

    /// Connects, runs pending migrations and records or checks the currency, as `CustomerStore(path:currency:)`.
    ///
    /// - Parameters:
    ///   - logger: where migrations are announced; nothing is logged without one.
    ///   - migrations: told when pending migrations start and end (not called when there are none).
    public init(_ location: Location, currency: String = "EUR", logger: Logger? = nil, migrations watch: MigrationWatch? = nil) async throws {
        let logger = logger ?? PostgresSQL.quiet
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: location.clientTLS)
        configuration.options.maximumConnections = max(location.poolSize, 1)
        configuration.options.connectTimeout = .seconds(10)
        let pool = ConnectionPool(configuration, logger: logger)
        let stored: String
        do {
            // Both waits together last at most the connect timeout.
            let started = ContinuousClock.now
            try await Self.probe(location, logger: logger)
            let left = location.connectTimeout - (ContinuousClock.now - started)
            try await Self.firstConnection(pool, within: max(left, .milliseconds(100)), reported: location.connectTimeout)
            // Every lease through the pool's guard: one that waits for ever is a wedged pool.
            try await PostgresMigrator(pool: pool, logger: logger, location: location, watch: watch).migrate()
            try await pool.withConnection { try await $0.execute(PostgresMigrations.refreshTimeZones) }
            stored = try await Self.recordCurrency(currency, pool: pool, logger: logger)
        } catch {
            await pool.close()
            throw PostgresStoreError.explaining(error, location: location, operation: "open store")
        }
        if stored != currency {
            await pool.close()
            throw PostgresStoreError.currencyMismatch(location: location.description, store: stored, config: currency)
        }
        self.pool = pool
        self.logger = logger
        self.location = location
        self.currency = stored
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func close() async {
        await pool.close()
    }

    /// The names of the migrations applied to this store, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await withConnection { connection in
            try await connection.rows("SELECT name FROM campaignd_migrations ORDER BY seq").map { $0[0].string ?? "" }
        }
    }

    /// The SQL dialect the rule compiler must emit for this store.
    public var dialect: SQLDialect { .postgres }

    /// Lends a pooled connection (`ConnectionPool.withConnection`: a pool that hands out none for
    /// 30 s is replaced).
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Lends a pooled connection for `body`, giving up after `deadline`
    /// (`ConnectionPool.withConnection(deadline:_:)`).
    func withConnection<T: Sendable>(
        deadline: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await pool.withConnection(deadline: deadline, body)
    }

    /// How long a running daemon's short operations (a claim, an outcome, a lease renewal, a
    /// heartbeat) may take, waiting for a connection included, before they fail (and are retried).
    /// A graceful stop waits for them: with 60 s, a daemon whose claim hung at a server restart
    /// outlasted scenario 17's 30 s for SIGTERM (a CI run).
    static let daemonDeadline: Duration = .seconds(20)

    /// Makes one connection directly, before the pool's: a server that answers but refuses (the
    /// login, the database, the TLS handshake or certificate), or a port nothing listens on
    /// (connection refused), says why here, where the pool would only retry until the timeout.
    /// A server that cannot be reached otherwise (no answer at all) is left to that wait
    /// (`firstConnection`), which names the timeout.
    private static func probe(_ location: Location, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try location.connectionTLS())
        configuration.options.connectTimeout = .seconds(max(location.connectTimeout.components.seconds, 1))
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch let error as PSQLError where error.code == .connectionError && error.underlying.map(Self.isUnreachable) ?? true {
            if let underlying = error.underlying, Self.isRefused(underlying) {
                throw ConnectionRefused(host: location.host, port: location.port)
            }
            return
        }
        try? await connection.close()
    }

    /// Whether a connection error means nothing answered (refused, unreachable, timed out), as
    /// opposed to a TLS failure.
    private static func isUnreachable(_ error: any Error) -> Bool {
        !(error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError)
    }

    /// Whether every address tried refused the connection (`ECONNREFUSED`): nothing listens there,
    /// which waiting will not change.
    static func isRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        if let attempts = error as? NIOConnectionError {
            return !attempts.connectionErrors.isEmpty && attempts.connectionErrors.allSatisfy { isRefused($0.error) }
        }
        return false
    }

    struct ConnectionRefused: Error, CustomStringConvertible {
        let host: String
        let port: Int
        var description: String { "connection refused: nothing accepts connections on \(host):\(port)" }
    }

    /// Waits for one connection to answer, at most `timeout`: the pool itself retries forever.
    /// `reported` is the timeout the error names (the whole connect timeout). A pool that hands
    /// out no connection within `ConnectionPool.leaseDeadline` is replaced and asked again, and
    /// the wait ends at `timeout` even if a lease never does (`withConnection(deadline:)` leaves
    /// it behind): whole test runs sat for good while a store's open waited for a lease.
    private static func firstConnection(_ pool: ConnectionPool, within timeout: Duration, reported: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw ConnectTimeout(timeout: reported) }
            do {
                try await pool.withConnection(deadline: left) { try await $0.execute("SELECT 1") }
                return
            } catch is ConnectionPool.Wedged {
                // A new pool now; the next lease opens its connections.
            } catch is ConnectionPool.Unanswered {
                throw ConnectTimeout(timeout: reported)
            }
        }
    }

    struct ConnectTimeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no connection within \(timeout.components.seconds) s" }
    }

    private static func recordCurrency(_ currency: String, pool: ConnectionPool, logger: Logger) async throws -> String {
        try await pool.withConnection { connection in
            let query = PostgresSQL.query(
                """
                INSERT INTO store_meta(key, value) VALUES ('currency', ?) ON CONFLICT (key) DO NOTHING;
                """, [currency.sqlValue])
            try await connection.query(query, logger: logger)
            let rows = try await connection.rows("SELECT value FROM store_meta WHERE key = 'currency'")
            return rows.first.flatMap { $0[0].string } ?? currency
        }
    }
}
