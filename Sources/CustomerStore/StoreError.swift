/// Why the store could not be used.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    /// SQLite could not open the file for writing, or found it read-only: every command opens
    /// the store read-write (its -wal and -shm files live beside it).
    case notWritable(path: String, reason: String)
    case currencyMismatch(path: String, store: String, config: String)
    case unknownCustomer(externalID: String)
    case unknownChannel(String)
    /// The store has migrations this binary does not know: a newer campaignd wrote it.
    case newerSchema(path: String, unknownMigrations: [String])

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason), .notWritable(let path, let reason):
            "open store \(path): \(reason)"
        case .currencyMismatch(let path, let store, let config):
            "store \(path) keeps amounts in \(store), but the config says currency \"\(config)\"; one store holds one currency"
        case .unknownCustomer(let externalID):
            "no customer with id \"\(externalID)\" in the store"
        case .unknownChannel(let channel):
            "unknown channel \"\(channel)\"; the store knows email, letter and webhook"
        case .newerSchema(let path, let unknown):
            "store \(path) was written by a newer campaignd (unknown migration\(unknown.count == 1 ? "" : "s") \(unknown.prefix(3).map { String($0.prefix(80)).debugDescription }.joined(separator: ", "))\(unknown.count > 3 ? ", …" : "")); this binary cannot use it"
        }
    }
}
