import GRDB

extension SendLog {
    /// Rows matching `filter`, most recently changed first, with each customer's external id
    /// (`campaignd log`). One read transaction.
    public func entries(_ filter: SendLogFilter) throws -> [SendLogEntry] {
        let (sql, arguments) = filter.query
        return try database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(each: arguments)).map(SendLogEntry.init(row:))
        }
    }

    /// Every rule name the send log holds (not journey steps), sorted (for "did you mean" in
    /// `report` and `log`).
    public func ruleNames() throws -> [String] {
        try database.read { try String.fetchAll($0, sql: Self.ruleNamesSQL) }
    }

    /// Every journey step's send name (`JOURNEY/STEP`) the send log holds, sorted.
    public func journeyStepNames() throws -> [String] {
        try database.read { try String.fetchAll($0, sql: Self.journeyStepNamesSQL) }
    }

    /// `ruleNames()`'s and `journeyStepNames()`'s SQL, which runs on either store.
    public static let ruleNamesSQL = "SELECT DISTINCT rule FROM send WHERE journey IS NULL ORDER BY rule"
    public static let journeyStepNamesSQL = "SELECT DISTINCT rule FROM send WHERE journey IS NOT NULL ORDER BY rule"
}

extension SendLogFilter {
    /// The SQL of `SendLog.entries` for this filter and its arguments: the same on either store
    /// (`?` placeholders; rows decoded by `SendLogEntry(row:)`).
    public var query: (sql: String, arguments: [SQLValue]) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        func match(_ term: String, _ value: (any SQLValueConvertible)?) {
            guard let value else { return }
            conditions.append(term)
            arguments.append(value.sqlValue)
        }
        match("s.rule = ?", rule)
        match("s.journey = ?", journey)
        match("s.step = ?", step)
        match("c.external_id = ?", customer)
        match("s.status = ?", status?.rawValue)
        match("s.updated_at >= ?", changedSince)
        arguments.append(limit.sqlValue)
        let sql = """
            SELECT s.*, c.external_id AS customer_external_id FROM send s LEFT JOIN customer c ON c.id = s.customer_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY s.updated_at DESC, s.id DESC LIMIT ?
            """
        return (sql, arguments)
    }
}

extension SendLogEntry {
    /// A row of `SendLogFilter.query`: the send row's columns and `customer_external_id`, by name.
    public init(row: Row) throws {
        try self.init(columns: row)
    }

    /// `init(row:)` on another store's row.
    public init(row: SQLRow) throws {
        try self.init(columns: row)
    }

    private init(columns row: some NamedColumns) throws {
        self.init(record: try SendRecord(columns: row), externalID: try row.valueIfPresent(forColumn: "customer_external_id"))
    }
}
