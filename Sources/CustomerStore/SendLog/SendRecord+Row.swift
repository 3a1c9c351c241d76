import GRDB

extension SendRecord {
    /// Reads a `send` row column by column (by name, so any `SELECT` of the columns works): the
    /// generic `Decodable` path was a third of the dispatcher's claim. Throws, as that path did,
    /// for a missing column, a NULL where a value is required or an unknown status.
    public init(row: Row) throws {
        try self.init(columns: row)
    }

    /// `init(row:)` on another store's row (the PostgreSQL store's claim).
    public init(row: SQLRow) throws {
        try self.init(columns: row)
    }

    /// The one decoding of a send row, for either kind of row.
    init(columns row: some NamedColumns) throws {
        id = try row.value(forColumn: "id")
        sendID = try row.value(forColumn: "send_id")
        rule = try row.value(forColumn: "rule")
        ruleHash = try row.value(forColumn: "rule_hash")
        customerID = try row.valueIfPresent(forColumn: "customer_id")
        channel = try row.value(forColumn: "channel")
        target = try row.value(forColumn: "target")
        windowKey = try row.value(forColumn: "window_key")
        decidedAt = try row.value(forColumn: "decided_at")
        let statusText: String = try row.value(forColumn: "status")
        guard let status = SendStatus(rawValue: statusText) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [CodingKeys.status], debugDescription: "unknown send status '\(statusText)'"))
        }
        self.status = status
        reason = try row.valueIfPresent(forColumn: "reason")
        evidence = try row.value(forColumn: "evidence")
        dueAt = try row.valueIfPresent(forColumn: "due_at")
        attempts = try row.value(forColumn: "attempts")
        lastError = try row.valueIfPresent(forColumn: "last_error")
        updatedAt = try row.value(forColumn: "updated_at")
        journey = try row.valueIfPresent(forColumn: "journey")
        step = try row.valueIfPresent(forColumn: "step")
        purpose = try row.value(forColumn: "purpose")
        coupon = try row.valueIfPresent(forColumn: "coupon")
        variant = try row.valueIfPresent(forColumn: "variant")
    }
}
