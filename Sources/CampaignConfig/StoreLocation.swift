/// Where the customer store is: the config's `"store"` key.
///
/// A plain path is a SQLite file (the default, `var/campaignd.sqlite`); a `postgres://` or
/// `postgresql://` URL, or an object with `host`, `database`, …, is a PostgreSQL database
/// (`PostgresSettings`). Only `campaignd store copy` uses a PostgreSQL store so far.
public enum StoreLocation: Sendable, Equatable {
    /// A SQLite file, its path resolved against the config file's directory.
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// What a message may show: the path, or the URL without any secret.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let settings): settings.description
        }
    }
}
