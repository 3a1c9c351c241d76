import Foundation
import GRDB
import Logging
import SQLiteSettings

/// The SQLite customer store: opens (and migrates) the database file and owns every access to it.
///
/// WAL mode, a busy timeout and foreign keys are set on every connection; write transactions start
/// with `BEGIN IMMEDIATE` (GRDB's default for writes) so the busy timeout applies to them too.
public final class CustomerStore: Sendable {
    /// The GRDB pool. Only the store touches it: other modules call the store's methods (the
    /// send log, erasure, import, snapshots for the rule evaluator), which are named by intent.
    let database: DatabasePool
    public let path: String
    /// ISO 4217 code of the store's currency, fixed when the store is created.
    public let currency: String

    /// SQLite's process-wide settings, made once before the first connection: no memory
    /// statistics (campaignd never reads them, and counting takes a process-wide lock per
    /// allocation). In a process that opened SQLite before (a test run) it changes nothing.
    private static let sqliteSettings: Void = {
        _ = campaignd_sqlite_disable_memory_statistics()
    }()

    /// Opens the store at `path`, creating it and its directory if needed and running pending migrations.
    ///
    /// - Parameters:
    ///   - currency: the currency recorded in a new store; an existing store keeps its own, and
    ///     opening it with a different one is an error.
    ///   - migrations: told when pending migrations start and end (not called when there are none).
    public init(
        path: String, currency: String = "EUR", busyTimeout: TimeInterval = 10, logger: Logger? = nil,
        migrations watch: MigrationWatch? = nil
    ) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
        _ = Self.sqliteSettings
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Statement journals (for statements that may fail after changing rows) stay in memory.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            db.add(function: SuppressionAddress.hashFunction)
        }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            let migrator = StoreMigrations.migrator
            // GRDB's migrator skips applied migrations it does not know: a store written by a
            // newer campaignd would be used as if it had this version's schema.
            let applied = try database.read { try migrator.appliedIdentifiers($0) }
            let unknown = applied.subtracting(migrator.migrations)
            if !unknown.isEmpty {
                throw StoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
            }
            let pending = migrator.migrations.count { !applied.contains($0) }
            if pending > 0 {
                logger?.info("migrating store", metadata: ["store.path": "\(path)", "migrations.pending": "\(pending)"])
                watch?.started(pending)
            }
            defer { if pending > 0 { watch?.ended() } }
            try migrator.migrate(database)
            self.currency = try database.write { db in
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'currency'") {
                    return existing
                }
                try db.execute(sql: "INSERT INTO store_meta(key, value) VALUES ('currency', ?)", arguments: [currency])
                return currency
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN {
            throw StoreError.notWritable(path: path, reason: error.message ?? "\(error)")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            throw StoreError.explaining(error, path: path, operation: "open store")
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        if self.currency != currency {
            throw StoreError.currencyMismatch(path: path, store: self.currency, config: currency)
        }
    }

    /// The names of the migrations applied to this store, oldest first.
    public func appliedMigrations() throws -> [String] {
        try database.read { try StoreMigrations.migrator.appliedMigrations($0) }
    }
}
