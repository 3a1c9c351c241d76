extension Config {
    /// `"store"`: a path (SQLite), a `postgres://` URL, or an object describing a PostgreSQL store.
    static func readStore(_ root: ConfigObject, resolve: (String) -> String) -> StoreLocation {
        let fallback = StoreLocation.sqlite(path: resolve("var/campaignd.sqlite"))
        switch root.stringOrObject("store") {
        case nil:
            return fallback
        case .string(let text) where PostgresSettings.isURL(text):
            do {
                return .postgres(try PostgresSettings(url: text))
            } catch {
                root.invalid("store", "URL \(error.description)")
                return fallback
            }
        case .string(let text):
            if text.contains("://") {
                root.invalid("store", "must be a file path (SQLite) or a postgres:// URL, not \"\(text)\"")
                return fallback
            }
            return .sqlite(path: resolve(text))
        case .object(let object):
            let settings = readPostgres(object, resolve: resolve)
            object.reportUnknownKeys()
            return settings.map(StoreLocation.postgres) ?? fallback
        }
    }

    /// The object form of a PostgreSQL store; nil (with the problems reported) when it is unusable.
    private static func readPostgres(_ object: ConfigObject, resolve: (String) -> String) -> PostgresSettings? {
        let host = object.string("host", default: "")
        let database = object.string("database", default: "")
        let user = object.string("user", default: "")
        let port = object.integer("port", default: PostgresSettings.defaultPort, range: 1...65_535)
        let poolSize = object.integer("pool_size", default: PostgresSettings.defaultPoolSize, range: PostgresSettings.poolSizes)
        var passwordFile = object.optionalString("password_file").map(resolve)
        // "password" names a systemd credential; the password itself never belongs in the config.
        if let password = object.optionalString("password") {
            if password.hasPrefix("credential:"), passwordFile == nil {
                passwordFile = password
            } else {
                object.invalid(
                    "password", password.hasPrefix("credential:")
                        ? "and \"password_file\" are both given (hint: keep one)"
                        : "must be \"credential:NAME\", never the password itself (hint: or \"password_file\": a file holding it)")
            }
        }
        let rootCertificate = object.optionalString("sslrootcert").map(resolve)
        var sslMode = PostgresSettings.SSLMode.disable
        if let text = object.optionalString("sslmode") {
            do { sslMode = try PostgresSettings.sslMode(text) } catch { object.invalid("sslmode", error.description) }
        }
        for (key, value) in [("host", host), ("database", database), ("user", user)] where value.isEmpty {
            object.invalid(key, "is required for a PostgreSQL store (hint: or give \"store\" as \(PostgresSettings.urlForm))")
        }
        guard !host.isEmpty, !database.isEmpty, !user.isEmpty else { return nil }
        return PostgresSettings(
            host: host, port: port, database: database, user: user, passwordFile: passwordFile, sslMode: sslMode,
            sslRootCertificate: rootCertificate, poolSize: poolSize)
    }
}
