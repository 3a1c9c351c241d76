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

/// A TCP socket on 127.0.0.1 that listens and never accepts: the kernel completes connections
/// into its backlog, and nothing is ever answered.
private struct SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = descriptor >= 0 && withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw ListenFailure(errno: errno) }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }

    struct ListenFailure: Error {
        let errno: Int32
    }
}
