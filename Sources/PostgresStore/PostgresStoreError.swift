import Foundation
import PostgresNIO

/// What can go wrong with the PostgreSQL store, as one line with a hint (`CustomerStore`'s
/// `StoreError` for SQLite).
public enum PostgresStoreError: Error, CustomStringConvertible, Sendable {
    /// The server refused or failed an operation; `reason` is its message.
    case failed(operation: String, location: String, reason: String)
    /// The store has migrations this campaignd does not know: a newer campaignd wrote it.
    case newerSchema(location: String, unknownMigrations: [String])
    case currencyMismatch(location: String, store: String, config: String)
    /// `SQLiteToPostgresCopy` found rows in the target.
    case targetNotEmpty(location: String, table: String)
    /// The copy's check after writing found a difference; nothing was committed.
    case copyMismatch(what: String, sqlite: String, postgres: String)

    public var description: String {
        switch self {
        case .failed(let operation, let location, let reason):
            "\(operation) on postgres \(location): \(reason)"
        case .newerSchema(let location, let unknown):
            "store postgres \(location) was written by a newer campaignd (unknown migrations: \(unknown.joined(separator: ", ")))"
        case .currencyMismatch(let location, let store, let config):
            "store postgres \(location) keeps amounts in \(store), the config says \(config)"
        case .targetNotEmpty(let location, let table):
            "copy into postgres \(location): the target is not empty (table \(table) has rows)"
        case .copyMismatch(let what, let sqlite, let postgres):
            "copy check failed for \(what): SQLite \(sqlite), PostgreSQL \(postgres); nothing was copied"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .failed(_, _, let reason) where reason.hasPrefix("TLS") || reason.contains("does not offer TLS"):
            "check sslmode, and for verify-full the host in the URL and the CA file in sslrootcert (docs/operations.md, TLS)"
        case .failed: "check that the server runs, the database exists and the user may connect and create tables"
        case .newerSchema: "use the newer campaignd release, or restore the pre-upgrade backup"
        case .currencyMismatch: "set the config's currency to the store's"
        case .targetNotEmpty: "copy into a new, empty database"
        case .copyMismatch: "report this with both stores' counts; the SQLite store is unchanged"
        }
    }

    /// `error` as a `PostgresStoreError` naming the operation (the server's own message for a
    /// server error); a `PostgresStoreError` stays as it is.
    public static func explaining(_ error: any Error, location: PostgresStore.Location, operation: String) -> PostgresStoreError {
        if let known = error as? PostgresStoreError { return known }
        // A refusal thrown inside a transaction (the copy's) arrives wrapped.
        if let transaction = error as? PostgresTransactionError, let known = transaction.closureError as? PostgresStoreError {
            return known
        }
        return .failed(operation: operation, location: location.description, reason: reason(error))
    }

    /// A client-side `PSQLError` (no server message) in words.
    private static func describe(_ error: PSQLError) -> String {
        if error.code == .sslUnsupported { return "the server does not offer TLS (sslmode require or verify-full)" }
        if error.code == .authMechanismRequiresPassword { return "the server asks for a password, and none was given" }
        if error.code == .serverClosedConnection, error.underlying == nil { return "the connection was closed before the server answered" }
        if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError {
            return tls(underlying)
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// A TLS failure in words: BoringSSL's reason name, without its source path.
    private static func tls(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate is not signed by a trusted CA (sslrootcert, else the system's)"
        }
        if error is NIOSSLExtraError, text.contains("hostname") || text.contains("Hostname") {
            return "TLS: the server's certificate does not name \(text.contains("IP") ? "this address" : "this host")"
        }
        if let range = text.range(of: #"OPENSSL_internal:[A-Z_]+"#, options: .regularExpression) {
            return "TLS handshake failed: \(text[range].dropFirst("OPENSSL_internal:".count))"
        }
        return "TLS handshake failed: \(text.prefix(200))"
    }

    /// The server's message when there is one, else the error's text.
    static func reason(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError { return reason(inner) }
            if let inner = transaction.commitError { return reason(inner) }
            if let inner = transaction.beginError { return reason(inner) }
        }
        if let known = error as? PostgresStoreError { return known.description }
        if let server = error as? PSQLError {
            if let message = server.serverInfo?[.message] {
                let detail = server.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return message + detail
            }
            return describe(server)
        }
        return "\(error)"
    }
}
