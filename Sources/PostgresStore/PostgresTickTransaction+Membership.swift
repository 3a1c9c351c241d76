import CustomerStore

extension PostgresTickTransaction {
    /// Records the membership of `segment` at `instant` in the tick's transaction, as
    /// `SegmentMembershipWriter.record` does on SQLite (the same tables, the same outcome): the
    /// segment's first recorded evaluation is its baseline; a later one opens an interval for each
    /// of `entered` and closes the open one of each of `left`; an evaluation at or before the
    /// recorded one writes nothing. The customer ids go as one array each.
    public func recordMembership(segment: String, at instant: Int64, entered: [Int64], left: [Int64]) async throws
        -> SegmentMembershipWriter.Update
    {
        let evaluatedAt = try await connection.rows(
            "SELECT evaluated_at FROM segment_tracking WHERE segment = ?", [segment.sqlValue]
        ).first.flatMap { $0[0].int64 }
        if let evaluatedAt, evaluatedAt >= instant { return .stale }
        if evaluatedAt == nil {
            try await connection.execute(
                "INSERT INTO segment_tracking(segment, since, evaluated_at) VALUES (?, ?, ?)",
                [segment.sqlValue, instant.sqlValue, instant.sqlValue])
        } else {
            try await connection.execute(
                "UPDATE segment_tracking SET evaluated_at = ? WHERE segment = ?", [instant.sqlValue, segment.sqlValue])
        }
        if !entered.isEmpty {
            try await connection.execute(
                """
                INSERT INTO segment_membership(segment, customer_id, entered_at)
                SELECT ?, customer_id, ? FROM unnest(?::bigint[]) AS customer_id
                ON CONFLICT DO NOTHING
                """, [segment.sqlValue, instant.sqlValue, Self.array(entered)])
        }
        if !left.isEmpty {
            try await connection.execute(
                """
                UPDATE segment_membership SET left_at = ?
                WHERE segment = ? AND customer_id = ANY(?::bigint[]) AND left_at IS NULL
                """, [instant.sqlValue, segment.sqlValue, Self.array(left)])
        }
        return evaluatedAt == nil ? .baseline(members: entered.count) : .changed(entered: entered.count, left: left.count)
    }

    /// Drops the tracking and history of every segment not in `segments`, as
    /// `SegmentMembershipWriter.stopTracking(allBut:)`; returns the names dropped.
    @discardableResult
    public func stopTracking(allBut segments: Set<String>) async throws -> [String] {
        let tracked = try await connection.rows("SELECT segment FROM segment_tracking").compactMap { $0[0].string }
        let dropped = tracked.filter { !segments.contains($0) }.sorted()
        for name in dropped {
            try await connection.execute("DELETE FROM segment_membership WHERE segment = ?", [name.sqlValue])
            try await connection.execute("DELETE FROM segment_tracking WHERE segment = ?", [name.sqlValue])
        }
        return dropped
    }

    /// Whole numbers as a PostgreSQL array literal (`{1,2,3}`), bound as text and cast.
    static func array(_ values: [Int64]) -> SQLValue {
        ("{" + values.map(String.init).joined(separator: ",") + "}").sqlValue
    }
}
