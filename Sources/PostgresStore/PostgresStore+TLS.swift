import PostgresNIO

extension PostgresStore.Location {
    /// swift-nio-ssl's client configuration for `tls` (PostgresNIO re-exports NIOSSL); nil for
    /// plain TCP. `require` and `verify-full` both refuse a server that does not offer TLS.
    var tlsConfiguration: TLSConfiguration? {
        switch tls {
        case .disable:
            return nil
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull(let rootCertificates):
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let rootCertificates { configuration.trustRoots = .file(rootCertificates) }
            return configuration
        }
    }

    /// The pool's TLS setting.
    var clientTLS: PostgresClient.Configuration.TLS {
        tlsConfiguration.map { .require($0) } ?? .disable
    }

    /// A single connection's TLS setting (the context is built now: a missing CA file throws).
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        try tlsConfiguration.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
    }
}
