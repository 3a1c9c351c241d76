import CustomerStore
import PostgresNIO

/// One read-only, repeatable-read transaction on one connection: every query sees the same
/// committed state. Lent by `PostgresStore.inSnapshot` to the rule evaluation, which runs the
/// SQL it compiled with `SQLDialect.postgres` (the PostgreSQL twin of a GRDB `Database` that
/// `CustomerStore.inSnapshot` lends).
public struct PostgresSnapshot: SQLRowReader, Sendable {
    let connection: PostgresConnection
    /// Whether its queries are prepared once per connection (`PreparedStatements`): only for
    /// reads whose text does not change with their values, as a dispatcher's re-check.
    var prepares = false

    /// The rows of a query written with `?` placeholders, values as SQLite would give them
    /// (booleans as 0 and 1, whole `numeric`s as integers).
    public func rows(_ sql: String, arguments: [SQLValue] = []) async throws -> [[SQLValue]] {
        try await connection.rows(sql, arguments, prepared: prepares)
    }

    /// Every enrolment of the customer with external id `externalID`, oldest entry first, as
    /// `Enrolments.of(customer:)` reads them.
    public func enrolments(ofCustomer externalID: String) async throws -> [Enrolment] {
        try await connection.namedRows(Enrolments.ofCustomerSQL, [externalID.sqlValue]).map { try Enrolment(row: $0) }
    }
}

extension PostgresStore {
    /// Runs `body` in one read-only snapshot (`REPEATABLE READ READ ONLY`).
    public func inSnapshot<T: Sendable>(_ body: (PostgresSnapshot) async throws -> T) async throws -> T {
        try await inTransaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try await body(PostgresSnapshot(connection: $0)) }
    }

    /// Runs `body` with up to `count` read-only snapshots on as many pooled connections (never
    /// more than the pool holds), all seeing the very same committed state: the first exports its
    /// snapshot (`pg_export_snapshot()`) and the others adopt it (`SET TRANSACTION SNAPSHOT`), as
    /// `CustomerStore.withConsistentSnapshots` lends SQLite's slices one state.
    public func inConsistentSnapshots<T: Sendable>(
        count: Int, for operation: String, _ body: ([PostgresSnapshot]) async throws -> T
    ) async throws -> T {
        let count = max(1, min(count, location.poolSize))
        do {
            return try await withConnections(count) { connections in
                let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                var begun: [PostgresConnection] = []
                func start(_ connection: PostgresConnection) async throws {
                    try await connection.execute(begin)
                    begun.append(connection)
                    try await connection.execute(Self.noJIT)
                }
                do {
                    try await start(connections[0])
                    if count > 1 {
                        let exported = try await connections[0].rows("SELECT pg_export_snapshot()")
                        guard let snapshot = exported[0][0].string else {
                            throw PostgresStoreError.failed(operation: operation, location: location.description, reason: "no snapshot was exported")
                        }
                        for connection in connections.dropFirst() {
                            try await start(connection)
                            // The identifier is the server's own, `[0-9A-F-]` only.
                            try await connection.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
                        }
                    }
                    let result = try await body(connections.map { PostgresSnapshot(connection: $0) })
                    for connection in begun { try await connection.execute("COMMIT") }
                    return result
                } catch {
                    for connection in begun { try? await connection.execute("ROLLBACK") }
                    throw error
                }
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: operation)
        }
    }

    /// Turns JIT compilation off for the transaction. The rules' audience queries over every
    /// customer cost enough for the planner to compile them, and each runs once: at 1M customers
    /// compiling one took 2.9 s of its 4.7 s (docs/performance.md, "PostgreSQL: `plan`").
    static let noJIT = "SET LOCAL jit = off"

    /// Lends `count` pooled connections at once.
    private func withConnections<T: Sendable>(
        _ count: Int, holding held: [PostgresConnection] = [], _ body: ([PostgresConnection]) async throws -> T
    ) async throws -> T {
        if held.count >= count { return try await body(held) }
        return try await withConnection { try await withConnections(count, holding: held + [$0], body) }
    }

    /// Runs `body` in one transaction on one pooled connection, opened with `begin`: committed
    /// when it returns, rolled back when it throws.
    func inTransaction<T: Sendable>(begin: String = "BEGIN", _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { try await Self.transaction(on: $0, begin: begin, body) }
    }

    /// `inTransaction` giving up after `deadline` (`withConnection(deadline:_:)`).
    func inTransaction<T: Sendable>(
        deadline: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(deadline: deadline) { try await Self.transaction(on: $0, begin: "BEGIN", body) }
    }

    /// `inTransaction` on `connection`.
    static func transaction<T: Sendable>(
        on connection: PostgresConnection, begin: String, commit: Bool = true, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.execute(begin, prepared: true)
        do {
            let result = try await body(connection)
            try await connection.execute(commit ? "COMMIT" : "ROLLBACK", prepared: true)
            return result
        } catch {
            try? await connection.execute("ROLLBACK")
            throw error
        }
    }

    /// `inSnapshot(_:)` for a command's reads: an error becomes a `PostgresStoreError` naming
    /// `operation` and the store, one line with a hint.
    public func inSnapshot<T: Sendable>(for operation: String, _ body: (PostgresSnapshot) async throws -> T) async throws -> T {
        do {
            return try await inSnapshot(body)
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: operation)
        }
    }

    /// Rows per table of `StoreExport.copiedTables`.
    public func counts() async throws -> [String: Int64] {
        try await inSnapshot { snapshot in
            var counts: [String: Int64] = [:]
            for name in StoreExport.copiedTables {
                counts[name] = try await snapshot.rows("SELECT count(*) FROM \(name)")[0][0].int64
            }
            return counts
        }
    }

    /// `StoreExport.factsTotalsSQL`'s row.
    public func factsTotals() async throws -> [SQLValue] {
        try await inSnapshot { try await $0.rows(StoreExport.factsTotalsSQL)[0] }
    }
}

extension PostgresStore {
    /// What the store holds, as `CustomerStore.summary()`: the same SQL in one snapshot.
    public func summary() async throws -> StoreSummary {
        let row: [SQLValue]
        let migrations: Int
        do {
            migrations = try await appliedMigrations().count
            row = try await inSnapshot { try await $0.rows(StoreSummary.countsSQL)[0] }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the store's counts")
        }
        return StoreSummary(
            migrations: migrations, counts: try Self.wholeNumbers(row, operation: "read the store's counts", location: location))
    }

    /// Every coupon pool's counts at `now`, as `CustomerStore.couponPools(now:)`: the same SQL.
    public func couponPools(now: Int64) async throws -> [CouponPoolSummary] {
        let rows: [[SQLValue]]
        do {
            rows = try await inSnapshot { try await $0.rows(CouponPoolSummary.poolsSQL, arguments: [now.sqlValue, now.sqlValue]) }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the coupon pools")
        }
        return try rows.map { row in
            guard let pool = row[0].string else {
                throw PostgresStoreError.failed(operation: "read the coupon pools", location: location.description, reason: "a pool without a name")
            }
            return CouponPoolSummary(pool: pool, counts: try Self.wholeNumbers(row.dropFirst(), operation: "read the coupon pools", location: location))
        }.sorted { Self.bytewise($0.pool, $1.pool) }
    }

    /// Names in byte order, as SQLite's `ORDER BY` sorts them (the database's collation may sort
    /// otherwise), so lists read the same on both stores.
    static func bytewise(_ first: String, _ second: String) -> Bool {
        first.utf8.lexicographicallyPrecedes(second.utf8)
    }

    /// Each value as a whole number, or an error naming the operation.
    static func wholeNumbers(_ values: some Collection<SQLValue>, operation: String, location: Location) throws -> [Int64] {
        try values.map { value in
            guard let number = value.int64 else {
                throw PostgresStoreError.failed(operation: operation, location: location.description, reason: "\(value) is not a whole number")
            }
            return number
        }
    }

    /// The send log's rows matching `filter`, as `SendLog.entries`: the same SQL and decoder.
    public func sendLogEntries(_ filter: SendLogFilter) async throws -> [SendLogEntry] {
        let (sql, arguments) = filter.query
        do {
            return try await withConnection { try await $0.namedRows(sql, arguments).map(SendLogEntry.init(row:)) }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the send log")
        }
    }

    /// The rule names and the journey steps' send names the send log holds, each sorted, as
    /// `SendLog.ruleNames()` and `journeyStepNames()`.
    public func sendLogNames() async throws -> (rules: [String], steps: [String]) {
        do {
            return try await inSnapshot { snapshot in
                let rules = try await snapshot.rows(SendLog.ruleNamesSQL).compactMap { $0[0].string }
                let steps = try await snapshot.rows(SendLog.journeyStepNamesSQL).compactMap { $0[0].string }
                return (rules.sorted(by: Self.bytewise), steps.sorted(by: Self.bytewise))
            }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the send log")
        }
    }

    /// Enrolments per journey at `now`, as `Enrolments.counts(now:)`: the same SQL and tally.
    public func journeyCounts(now: Int64) async throws -> [JourneyCounts] {
        let operation = "read the journeys' enrolments"
        let (active, ended): ([[SQLValue]], [[SQLValue]])
        do {
            (active, ended) = try await inSnapshot { snapshot in
                (try await snapshot.rows(JourneyCounts.activeSQL, arguments: [now.sqlValue]), try await snapshot.rows(JourneyCounts.endedSQL))
            }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: operation)
        }
        func text(_ value: SQLValue) throws -> String {
            guard let text = value.string else {
                throw PostgresStoreError.failed(operation: operation, location: location.description, reason: "\(value) is not text")
            }
            return text
        }
        func number(_ value: SQLValue) throws -> Int {
            Int(try Self.wholeNumbers([value], operation: operation, location: location)[0])
        }
        return JourneyCounts.tally(
            active: try active.map { (try text($0[0]), try text($0[1]), try text($0[2]), try number($0[3]), try number($0[4])) },
            ended: try ended.map { (try text($0[0]), try text($0[1]), try number($0[2])) })
    }

    /// Every recorded A/B winner, as `CustomerStore.variantWinners()`, rules in byte order.
    public func variantWinners() async throws -> [VariantWinner] {
        do {
            return try await withConnection { try await $0.namedRows(VariantWinner.allSQL).map(VariantWinner.init(row:)) }
                .sorted { Self.bytewise($0.rule, $1.rule) }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the variant winners")
        }
    }

    /// Removes a rule's recorded winner, as `CustomerStore.resetVariantWinner(rule:)`: the
    /// removed winner, or nil when there was none.
    public func resetVariantWinner(rule: String) async throws -> VariantWinner? {
        do {
            return try await withConnection {
                try await $0.namedRows(VariantWinner.resetSQL, [rule.sqlValue]).map(VariantWinner.init(row:)).first
            }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "reset-winner \(rule)")
        }
    }
}

extension PostgresStore {
    /// What `report` reads, as `CustomerStore.reportRows(_:)`: the same statements, spelt for
    /// PostgreSQL, in one snapshot.
    public func reportRows(_ request: ReportRows.Request) async throws -> ReportRows {
        let statements = ReportRows.statements(request, dialect: dialect)
        do {
            return try await inSnapshot { snapshot in
                var rows = ReportRows()
                for statement in statements {
                    try statement.add(try await snapshot.connection.namedRows(statement.sql, statement.arguments), &rows)
                }
                return rows
            }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "read the report")
        }
    }
}
