import CustomerStore
import Foundation
import Logging
import PostgresNIO

/// Runs `PostgresMigrations` in order, each in a transaction of its own that also records its
/// name in `campaignd_migrations`; all of it under a session advisory lock, so daemons starting
/// together migrate once. Refuses a store with a migration it does not know (written by a newer
/// campaignd), as the SQLite store does.
struct PostgresMigrator {
    let pool: ConnectionPool
    let logger: Logger
    let location: PostgresStore.Location
    /// Told when pending migrations start and end.
    var watch: MigrationWatch?

    /// The advisory lock's key: "campaign" in ASCII.
    static let lockKey: Int64 = 0x6361_6D70_6169_676E

    func migrate() async throws {
        let location = self.location
        try await pool.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                try await connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS campaignd_migrations (
                        seq        integer PRIMARY KEY,
                        name       text NOT NULL UNIQUE,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let applied = try await connection.rows("SELECT name FROM campaignd_migrations ORDER BY seq")
                    .compactMap { $0[0].string }
                let known = PostgresMigrations.all.map(\.name)
                let unknown = applied.filter { !known.contains($0) }
                if !unknown.isEmpty { throw PostgresStoreError.newerSchema(location: location.description, unknownMigrations: unknown) }
                let pending = known.count { !applied.contains($0) }
                if pending > 0 { watch?.started(pending) }
                defer { if pending > 0 { watch?.ended() } }
                for (index, migration) in PostgresMigrations.all.enumerated() where !applied.contains(migration.name) {
                    logger.info("migrating store", metadata: ["store.location": "\(location.description)", "migration.name": "\(migration.name)"])
                    try await connection.withTransaction(logger: PostgresSQL.quiet) { transaction in
                        for statement in migration.statements {
                            do {
                                try await transaction.execute(statement)
                            } catch {
                                throw PostgresStoreError.failed(
                                    operation: "migration \(migration.name)", location: location.description,
                                    reason: PostgresStoreError.reason(error))
                            }
                        }
                        try await transaction.execute(
                            "INSERT INTO campaignd_migrations(seq, name) VALUES (?, ?)", [Int64(index + 1).sqlValue, migration.name.sqlValue])
                    }
                }
            } catch {
                try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
            try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
        }
    }
}
