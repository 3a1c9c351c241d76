import CustomerStore
import Foundation
import GRDB
import Logging
import PostgresStore
import TestSupport

/// A PostgreSQL store in a database of its own on the shared test server, and a SQLite store in
/// a temporary directory, for tests that compare the two.
struct PostgresTestStore {
    let server: PostgresServer
    let database: String
    let store: PostgresStore

    /// How long a test store waits for its first connection. The product's 10 s default is for a
    /// server that does not answer; here the server answers, but the pool finishes its connection
    /// in tasks on the test process's cooperative threads, and on a 2-core machine CPU-bound
    /// synchronous tests (`IndependentCheckTests`' fill, the language server's crash replay)
    /// hold both of them for minutes: in a whole `swift test` run every test store waiting from
    /// ~110 s failed at 120 s, while nothing else finished between ~10 s and ~220 s (stacks taken
    /// with gdb). A server that cannot start still fails at once (`PostgresServer`); this only
    /// bounds a hang.
    static let connectTimeout: Duration = .seconds(900)

    /// - Parameter icuLocale: a database sorting text by this ICU locale (`PostgresServer.createDatabase`).
    init(currency: String = "EUR", icuLocale: String? = nil, poolSize: Int = 4) async throws {
        server = try PostgresServer.shared()
        database = try server.createDatabase(icuLocale: icuLocale)
        store = try await PostgresStore(
            PostgresStore.Location(host: server.host, port: server.port, user: server.user, database: database, poolSize: poolSize,
                connectTimeout: Self.connectTimeout),
            currency: currency)
    }

    /// Runs SQL (several statements allowed) through psql; the rows as `|`-separated lines.
    func psql(_ sql: String) throws -> [String] {
        try server.psql(sql, database: database).split(separator: "\n").map(String.init)
    }
}

/// A new SQLite store in a temporary directory, and a GRDB queue on the same file for reading
/// its catalog and writing as an outside system would (the triggers fire for it too).
struct SQLiteTestStore {
    let directory: String
    let store: CustomerStore
    let queue: DatabaseQueue

    init(currency: String = "EUR") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-sqlite-\(UUID().uuidString)").path
        store = try CustomerStore(path: directory + "/store.sqlite", currency: currency)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { $0.add(function: SuppressionAddress.hashFunction) }
        queue = try DatabaseQueue(path: directory + "/store.sqlite", configuration: configuration)
    }
}
