import Foundation
import PostgresStore
import Testing
import TestSupport

/// Opening a PostgreSQL store that cannot be reached fails in one line naming the server, after
/// the connect timeout (the pool alone would retry for ever).
@Suite("PostgreSQL connection")
struct PostgresConnectionTests {
    @Test("no server on the port: one line naming host, port and database, with a hint")
    func unreachable() async throws {
        // A server that has just stopped leaves its port free.
        let server = try PostgresServer()
        let port = server.port
        server.stop()
        do {
            _ = try await PostgresStore(
                PostgresStore.Location(host: "127.0.0.1", port: port, user: "campaignd", database: "nowhere", connectTimeout: .seconds(3)))
            Issue.record("opened a store with no server")
        } catch let error as PostgresStoreError {
            #expect(error.description.hasPrefix("open store on postgres 127.0.0.1:\(port)/nowhere: "), "\(error)")
            #expect(error.description.hasSuffix("no connection within 3 s"), "\(error)")
            #expect(!error.description.contains("\n") && !error.hint.isEmpty)
        }
    }
}
