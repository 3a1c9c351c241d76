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

    /// How long a test store waits for its first connection: the product's 10 s default is for
    /// a server that does not answer; a test process whose cooperative threads are busy with
    /// other suites can take longer than that to resume after the server did answer.
    static let connectTimeout: Duration = .seconds(120)

    init(currency: String = "EUR") async throws {
        server = try PostgresServer.shared()
        database = try server.createDatabase()
        store = try await PostgresStore(
            PostgresStore.Location(host: server.host, port: server.port, user: server.user, database: database, poolSize: 4,
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

extension DatabaseValue {
    /// The value as psql prints it unaligned: empty for NULL, numbers and text as they are.
    var plainText: String {
        switch storage {
        case .null: ""
        case .int64(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): text
        case .blob(let data): "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
