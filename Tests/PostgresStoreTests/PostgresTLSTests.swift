import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// `sslmode` against a real server with TLS on (its certificate signed by a CA made for the
/// test): `require` encrypts, `verify-full` checks the certificate against the CA it is given,
/// and both refuse a server without TLS.
@Suite("PostgreSQL TLS", .serialized)
struct PostgresTLSTests {
    /// Whether the store's own connection is encrypted, as the server sees it.
    private static func encrypted(_ store: PostgresStore) async throws -> Bool {
        let rows = try await store.inSnapshot { try await $0.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") }
        return rows.first.flatMap { $0[0].int64 } == 1
    }

    private static func location(_ server: PostgresServer, _ database: String, _ tls: PostgresStore.Location.TLS) -> PostgresStore.Location {
        PostgresStore.Location(
            host: server.host, port: server.port, user: server.user, database: database, poolSize: 1, connectTimeout: PostgresTestStore.connectTimeout, tls: tls)
    }

    @Test("require and verify-full (with the CA) connect encrypted; disable does not")
    func encryptsWhenAsked() async throws {
        let server = try PostgresServer(tls: true)
        defer { server.stop() }
        let database = try server.createDatabase()
        for (tls, expected) in [(PostgresStore.Location.TLS.require, true), (.verifyFull(rootCertificates: server.caCertificate), true),
                                (.disable, false)] {
            let store = try await PostgresStore(Self.location(server, database, tls))
            #expect(try await Self.encrypted(store) == expected, "\(tls)")
            await store.close()
        }
    }

    @Test("verify-full refuses a certificate no trusted CA signed")
    func verifyFullChecksTheCertificate() async throws {
        let server = try PostgresServer(tls: true)
        defer { server.stop() }
        let database = try server.createDatabase()
        let error = await #expect(throws: PostgresStoreError.self) {
            let store = try await PostgresStore(Self.location(server, database, .verifyFull(rootCertificates: nil)))
            await store.close()
        }
        // Said at once by the handshake, not left to the connect timeout.
        let text = error?.description ?? ""
        #expect(text.hasSuffix(": TLS: the server's certificate is not signed by a trusted CA (sslrootcert, else the system's)"), "\(text)")
        #expect(error?.hint.contains("sslrootcert") == true)
        #expect(!text.contains("no connection within") && !text.contains("\n"), "\(text)")
    }

    @Test("require refuses a server without TLS")
    func requireRefusesPlainServer() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let error = await #expect(throws: PostgresStoreError.self) {
            let store = try await PostgresStore(Self.location(server, database, .require))
            await store.close()
        }
        #expect(error?.description.hasSuffix(": the server does not offer TLS (sslmode require or verify-full)") == true, "\(String(describing: error))")
    }
}
