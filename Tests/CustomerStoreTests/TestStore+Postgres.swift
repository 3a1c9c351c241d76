@testable import CustomerStore
import GRDB
import Synchronization
@testable import PostgresStore
import Testing
import TestSupport

/// A `TestStore` on either store: the same import files through the SQLite `Importer` or the
/// `PostgresImporter`, the same questions asked of either (a store suite run on both stores,
/// issue 18).
extension TestStore {
    /// A fresh store of `kind` in `currency`: on PostgreSQL, a new database on the test process's
    /// server.
    init(currency: String = "EUR", on kind: StoreKind) async throws {
        try self.init(currency: currency)
        guard kind == .postgres else { return }
        let server = try PostgresServer.shared()
        postgres = try await PostgresStore(
            PostgresStore.Location(
                host: server.host, port: server.port, user: server.user, database: server.createDatabase(), poolSize: 2,
                connectTimeout: .seconds(900)),
            currency: currency)
    }

    /// Imports a file into the store this test runs on; the summary.
    @discardableResult
    func load(_ kind: ImportKind, _ path: String) async throws -> ImportSummary {
        guard let postgres else { return try importFile(kind, path).0 }
        return try await PostgresImporter(store: postgres, timeZone: Self.helsinki).run(kind, path: path)
    }

    /// Imports a file into the store this test runs on: the summary and every problem reported.
    @discardableResult
    func importing(_ kind: ImportKind, _ path: String, skipInvalid: Bool = false) async throws -> (ImportSummary, [ImportProblem]) {
        guard let postgres else { return try importFile(kind, path, skipInvalid: skipInvalid) }
        let problems = Mutex<[ImportProblem]>([])
        var importer = PostgresImporter(store: postgres, timeZone: Self.helsinki)
        importer.skipInvalid = skipInvalid
        importer.onProblem = { problem in problems.withLock { $0.append(problem) } }
        let summary = try await importer.run(kind, path: path)
        return (summary, problems.withLock { $0 })
    }

    /// Imports a file that must fail atomically into the store this test runs on: the error and
    /// the problems reported.
    func failing(_ kind: ImportKind, _ path: String) async -> (Error?, [ImportProblem]) {
        guard let postgres else { return failingImport(kind, path) }
        let problems = Mutex<[ImportProblem]>([])
        var importer = PostgresImporter(store: postgres, timeZone: Self.helsinki)
        importer.onProblem = { problem in problems.withLock { $0.append(problem) } }
        do {
            _ = try await importer.run(kind, path: path)
            return (nil, problems.withLock { $0 })
        } catch {
            return (error, problems.withLock { $0 })
        }
    }

    /// The first column of every row `sql` selects on the store this test runs on, as text.
    func texts(_ sql: String) async throws -> [String] {
        guard let postgres else { return try await store.database.read { try String.fetchAll($0, sql: sql) } }
        return try await postgres.inSnapshot { try await $0.rows(sql).compactMap { $0[0].string } }
    }

    /// The single text `sql` selects on the store this test runs on.
    func text(_ sql: String) async throws -> String? {
        try await texts(sql).first
    }

    /// Every table's row count (`counts()`) on the store this test runs on.
    func tableCounts() async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for table in ["customer", "customer_tag", "purchase", "event", "feedback", "consent", "suppression", "customer_facts", "customer_event_facts"] {
            result[table] = try await integer("SELECT count(*) FROM \(table)")
        }
        return result
    }

    /// Runs `sql` (no arguments; several statements allowed on SQLite, one on PostgreSQL) on the
    /// store this test runs on, as an outside writer would.
    func execute(_ sql: String) async throws {
        guard let postgres else { return try await store.database.write { try $0.execute(sql: sql) } }
        try await postgres.inTransaction { try await $0.execute(sql) }
    }

    /// Every row `sql` (with `?` placeholders for `arguments`) selects on the store this test
    /// runs on, values as SQLite gives them.
    func rows(_ sql: String, arguments: [SQLValue] = []) async throws -> [[SQLValue]] {
        guard let postgres else {
            return try await store.database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(\.sqlValues)
            }
        }
        return try await postgres.inSnapshot { try await $0.rows(sql, arguments: arguments) }
    }

    /// The single value `sql` selects on the store this test runs on, as an integer.
    func integer(_ sql: String) async throws -> Int64? {
        guard let postgres else { return try await store.database.read { try Int64.fetchOne($0, sql: sql) } }
        return try await postgres.inSnapshot { try await $0.rows(sql).first.flatMap { $0[0].int64 } }
    }

    /// The facts row of a customer, by external id, on the store this test runs on: the columns
    /// of SQLite's `customer_facts`, by name.
    func factsRow(_ externalID: String) async throws -> Row? {
        guard let postgres else { return try facts(externalID) }
        let columns = try await store.database.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('customer_facts')") }
        let sql = """
            SELECT \(columns.map { "f.\($0)" }.joined(separator: ", ")) FROM customer_facts f JOIN customer c ON c.id = f.customer_id
            WHERE c.external_id = ?
            """
        let rows = try await postgres.inSnapshot { try await $0.rows(sql, arguments: [externalID.sqlValue]) }
        guard let values = rows.first else { return nil }
        // A row with SQLite's column order (a `Row` made from a dictionary has none, and rows
        // compare column by column): the values selected back through an in-memory database.
        let select = "SELECT " + columns.map { "? AS \($0)" }.joined(separator: ", ")
        return try await DatabaseQueue().read { try Row.fetchOne($0, sql: select, arguments: StatementArguments(values)) }
    }

    /// Closes the PostgreSQL store's connections, if any (in the background: for `defer`).
    func closeLater() {
        guard let postgres else { return }
        Task { await postgres.close() }
    }
}
