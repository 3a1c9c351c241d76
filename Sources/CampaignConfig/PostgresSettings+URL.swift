import Foundation

extension PostgresSettings {
    /// Whether `text` is meant as a PostgreSQL URL rather than a file path.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// A bad store URL or field: one line, completing "URL …" ("URL names no user"), and what
    /// to write instead.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var hint: String
        public var description: String { "\(message) (hint: \(hint))" }
    }

    static let urlForm = "postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|require|verify-full]"

    /// Parses `postgres://USER@HOST[:PORT]/DATABASE` with the query parameters `sslmode`,
    /// `pool_size` and `sslrootcert`; percent-escapes are decoded. A password, an unknown
    /// parameter or a missing part is a `Problem`.
    public init(url text: String) throws(Problem) {
        func problem(_ message: String, hint: String = "write it as \(Self.urlForm)") -> Problem {
            Problem(message: message, hint: hint)
        }
        guard Self.isURL(text) else { throw problem("does not start with postgres:// or postgresql://") }
        guard let components = URLComponents(string: text) else { throw problem("is not a valid URL") }
        if components.password != nil {
            throw problem(
                "must not hold a password",
                hint: "give the store as an object with \"password_file\" (a file or credential:NAME), or --password-file")
        }
        guard let user = components.user, !user.isEmpty else { throw problem("names no user") }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw problem("names no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw problem("names no database (the path after the host)") }
        if components.fragment != nil { throw problem("must not have a #fragment") }
        var settings = PostgresSettings(host: host, port: components.port ?? Self.defaultPort, database: database, user: user)
        guard (1...65_535).contains(settings.port) else { throw problem("has port \(settings.port), out of range") }
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                do { settings.sslMode = try Self.sslMode(value) } catch { throw problem("sslmode \(error.message)", hint: error.hint) }
            case "sslrootcert": settings.sslRootCertificate = value.isEmpty ? nil : value
            case "pool_size":
                guard let size = Int(value), Self.poolSizes.contains(size) else {
                    throw problem("has pool_size \"\(value)\"; it must be a whole number from 1 to 256")
                }
                settings.poolSize = size
            default:
                throw problem("has an unknown parameter \"\(item.name)\"", hint: "campaignd knows sslmode, sslrootcert and pool_size")
            }
        }
        self = settings
    }

    /// `disable`, `require` or `verify-full`.
    static func sslMode(_ text: String) throws(Problem) -> SSLMode {
        guard let mode = SSLMode(rawValue: text) else {
            throw Problem(
                message: "must be disable, require or verify-full, not \"\(text)\"",
                hint: "libpq's prefer, allow and verify-ca are not offered: choose require or verify-full for TLS")
        }
        return mode
    }
}
