import Foundation
import Glibc
import PostgresStore
import Testing
import TestSupport

/// Opening a PostgreSQL store that cannot be reached fails in one line naming the server: at
/// once when nothing listens on the port, after the connect timeout when something accepts the
/// connection and never answers (the pool alone would retry for ever).
@Suite("PostgreSQL connection")
struct PostgresConnectionTests {
    @Test("no server on the port: connection refused, one line naming host, port and database, with a hint")
    func refused() async throws {
        // A server that has just stopped leaves its port free.
        let server = try PostgresServer()
        let port = server.port
        server.stop()
        do {
            // A long timeout: a refusal must end the wait, not the timeout.
            _ = try await PostgresStore(
                PostgresStore.Location(host: "127.0.0.1", port: port, user: "campaignd", database: "nowhere", connectTimeout: .seconds(300)))
            Issue.record("opened a store with no server")
        } catch let error as PostgresStoreError {
            #expect(error.description.hasPrefix("open store on postgres 127.0.0.1:\(port)/nowhere: "), "\(error)")
            #expect(error.description.hasSuffix("connection refused: nothing accepts connections on 127.0.0.1:\(port)"), "\(error)")
            #expect(!error.description.contains("\n") && !error.hint.isEmpty)
        }
    }

    @Test("a port that accepts and never answers: the connect timeout, named, in one line")
    func silent() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        do {
            _ = try await PostgresStore(
                PostgresStore.Location(
                    host: "127.0.0.1", port: listener.port, user: "campaignd", database: "nowhere", connectTimeout: .seconds(3)))
            Issue.record("opened a store on a port that never answers")
        } catch let error as PostgresStoreError {
            #expect(error.description.hasPrefix("open store on postgres 127.0.0.1:\(listener.port)/nowhere: "), "\(error)")
            #expect(error.description.hasSuffix("no connection within 3 s"), "\(error)")
            #expect(!error.description.contains("\n") && !error.hint.isEmpty)
        }
    }
}
