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
    /// The disk refused a write of an open store (`SQLITE_FULL`, `SQLITE_READONLY`,
    /// `SQLITE_IOERR`); SQLite rolled the transaction back, so nothing of it was written.
    case writeRefused(path: String, problem: DiskProblem, operation: String)

    /// What the disk said when it refused a write.
    public enum DiskProblem: String, Sendable {
        case full = "the disk is full"
        case readOnly = "the store became read-only"
        case ioError = "an I/O error"
    }

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
        case .writeRefused(let path, let problem, let operation):
            "\(operation): store \(path): \(problem.rawValue); nothing of it was written"
        }
    }

    /// What to do about it, when there is something to say.
    public var hint: String? {
        switch self {
        case .newerSchema:
            "use the campaignd release that wrote it, or restore the backup taken before the upgrade (docs/operations.md, Upgrade)"
        case .notWritable:
            "every command opens the store read-write: the file and its directory must be writable (SQLite keeps -wal and -shm files beside it)"
        case .writeRefused(_, .full, _):
            "free space on the filesystem that holds the store, then try again (a running daemon retries by itself)"
        case .writeRefused(_, .readOnly, _):
            "remount the store's filesystem read-write or make the file writable, then try again (a running daemon retries by itself)"
        case .writeRefused(_, .ioError, _):
            "check the disk that holds the store (dmesg: a filesystem remounted read-only after errors needs fsck and a remount), then try again"
        default:
            nil
        }
    }
}
