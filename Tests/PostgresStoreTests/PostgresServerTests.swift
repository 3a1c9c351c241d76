import Foundation
import Testing
import TestSupport

/// The test harness's PostgreSQL: a real server on 127.0.0.1, one per test process, a database
/// per test.
@Suite("PostgreSQL test server")
struct PostgresServerTests {
    @Test("the shared server answers on 127.0.0.1 and gives each test a database of its own")
    func sharedServerAndDatabases() throws {
        let server = try PostgresServer.shared()
        #expect(try PostgresServer.shared() === server)
        let first = try server.createDatabase()
        let second = try server.createDatabase()
        #expect(first != second)
        _ = try server.psql("CREATE TABLE t (n integer); INSERT INTO t VALUES (1), (2)", database: first)
        #expect(try server.psql("SELECT sum(n) FROM t", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 't'", database: second)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(try server.psql("SELECT inet_server_addr()", database: first).contains("127.0.0.1"))
    }

    @Test("a server of its own starts, stops and leaves no directory behind")
    func ownServerStops() throws {
        let server = try PostgresServer()
        let directory = server.directory
        #expect(FileManager.default.fileExists(atPath: directory + "/data/PG_VERSION"))
        #expect(try server.psql("SELECT 1", database: "postgres").hasPrefix("1"))
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(throws: (any Error).self) { try server.psql("SELECT 1", database: "postgres") }
    }
}
