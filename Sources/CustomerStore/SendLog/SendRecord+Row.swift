import GRDB

extension SendRecord {
    /// Reads a `send` row column by column (by name, so any `SELECT` of the columns works): the
    /// generic `Decodable` path was a third of the dispatcher's claim. Throws, as that path did,
    /// for a missing column, a NULL where a value is required or an unknown status.
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        sendID = try row.decode(forColumn: "send_id")
        rule = try row.decode(forColumn: "rule")
        ruleHash = try row.decode(forColumn: "rule_hash")
        customerID = try row.decode(forColumn: "customer_id")
        channel = try row.decode(forColumn: "channel")
        target = try row.decode(forColumn: "target")
        windowKey = try row.decode(forColumn: "window_key")
        decidedAt = try row.decode(forColumn: "decided_at")
        let statusText: String = try row.decode(forColumn: "status")
        guard let status = SendStatus(rawValue: statusText) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [CodingKeys.status], debugDescription: "unknown send status '\(statusText)'"))
        }
        self.status = status
        reason = try row.decode(forColumn: "reason")
        evidence = try row.decode(forColumn: "evidence")
        dueAt = try row.decode(forColumn: "due_at")
        attempts = try row.decode(forColumn: "attempts")
        lastError = try row.decode(forColumn: "last_error")
        updatedAt = try row.decode(forColumn: "updated_at")
        journey = try row.decode(forColumn: "journey")
        step = try row.decode(forColumn: "step")
        purpose = try row.decode(forColumn: "purpose")
        coupon = try row.decode(forColumn: "coupon")
        variant = try row.decode(forColumn: "variant")
    }
}
