import GRDB

extension SendLog {
    /// Rows matching `filter`, most recently changed first, with each customer's external id
    /// (`campaignd log`). One read transaction.
    public func entries(_ filter: SendLogFilter) throws -> [SendLogEntry] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let rule = filter.rule {
            conditions.append("s.rule = ?")
            arguments += [rule]
        }
        if let journey = filter.journey {
            conditions.append("s.journey = ?")
            arguments += [journey]
        }
        if let step = filter.step {
            conditions.append("s.step = ?")
            arguments += [step]
        }
        if let customer = filter.customer {
            conditions.append("c.external_id = ?")
            arguments += [customer]
        }
        if let status = filter.status {
            conditions.append("s.status = ?")
            arguments += [status.rawValue]
        }
        if let since = filter.changedSince {
            conditions.append("s.updated_at >= ?")
            arguments += [since]
        }
        arguments += [filter.limit]
        return try database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.*, c.external_id AS customer_external_id FROM send s LEFT JOIN customer c ON c.id = s.customer_id
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY s.updated_at DESC, s.id DESC LIMIT ?
                    """,
                arguments: arguments)
            return try rows.map { row in
                SendLogEntry(record: try SendRecord(row: row), externalID: row["customer_external_id"])
            }
        }
    }

    /// Every rule name the send log holds (not journey steps), sorted (for "did you mean" in
    /// `report` and `log`).
    public func ruleNames() throws -> [String] {
        try database.read { try String.fetchAll($0, sql: "SELECT DISTINCT rule FROM send WHERE journey IS NULL ORDER BY rule") }
    }

    /// Every journey step's send name (`JOURNEY/STEP`) the send log holds, sorted.
    public func journeyStepNames() throws -> [String] {
        try database.read { try String.fetchAll($0, sql: "SELECT DISTINCT rule FROM send WHERE journey IS NOT NULL ORDER BY rule") }
    }
}
