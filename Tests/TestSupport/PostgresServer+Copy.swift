import CustomerStore
import PostgresStore

/// The store a test runs on: a fixture's SQLite store, or a PostgreSQL copy of it. A suite runs
/// its tests on both with `@Test(arguments: StoreKind.allCases)` (issue 18: one suite,
/// parameterised).
public enum StoreKind: String, CaseIterable, Sendable {
    case sqlite, postgres
}

extension PostgresServer {
    /// A copy of `store` (`SQLiteToPostgresCopy`) in a new database on this server, opened with a
    /// pool of `poolSize` connections.
    public func copy(of store: CustomerStore, poolSize: Int = 2) async throws -> (store: PostgresStore, database: String) {
        let database = try createDatabase()
        // A long first-connection wait, as `PostgresTestStore.connectTimeout` explains: it only bounds a hang.
        let copy = try await PostgresStore(
            PostgresStore.Location(host: host, port: port, user: user, database: database, poolSize: poolSize, connectTimeout: .seconds(900)))
        do {
            _ = try await SQLiteToPostgresCopy(from: store, to: copy).run()
        } catch {
            await copy.close()
            throw error
        }
        return (copy, database)
    }
}
