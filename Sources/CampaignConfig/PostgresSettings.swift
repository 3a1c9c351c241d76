/// How to reach a PostgreSQL store, as the config gives it; independent of any driver
/// (the PostgresStore module turns it into a connection).
///
/// Written as `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…&pool_size=…&sslrootcert=…]`
/// (`PostgresSettings(url:)`) or as an object with the same fields and `password_file`
/// (a path, or `credential:NAME` for `$CREDENTIALS_DIRECTORY/NAME`, read when connecting).
/// A URL never carries a password: config files and command lines are not the place for one.
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    /// The file holding the password, or `credential:NAME`; nil for a server that asks none.
    public var passwordFile: String?
    public var sslMode: SSLMode
    /// PEM file of the CA certificates `verify-full` trusts; nil for the system's.
    public var sslRootCertificate: String?
    /// Connections in the pool.
    public var poolSize: Int

    /// libpq's spellings, for the three modes campaignd offers.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS, without checking the server's certificate (protects against eavesdropping only).
        case require
        /// TLS, with the certificate checked against the trusted CAs and the host name.
        case verifyFull = "verify-full"
    }

    public static let defaultPort = 5432
    public static let defaultPoolSize = 8
    public static let poolSizes = 1...256

    public init(
        host: String, port: Int = defaultPort, database: String, user: String, passwordFile: String? = nil,
        sslMode: SSLMode = .disable, sslRootCertificate: String? = nil, poolSize: Int = defaultPoolSize
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.passwordFile = passwordFile
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.poolSize = poolSize
    }

    /// `postgres://user@host:port/database`, for messages (never a secret).
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }
}
