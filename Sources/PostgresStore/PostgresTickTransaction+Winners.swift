import CustomerStore

extension PostgresTickTransaction {
    /// What `winner after N days` judges for `rule` at `now`, in the tick's snapshot, as
    /// `SendLog.completeVariantExposure` on SQLite: nil while fewer than `minimum` variant sends
    /// are `windowSeconds` old, else the complete groups of the report's variant rows.
    public func completeVariantExposure(rule: String, now: Int64, windowSeconds: Int64, minimum: Int) async throws -> [VariantExposure]? {
        let ready = try await connection.count(
            SendLog.variantSendsReadySQL,
            [rule.sqlValue, (now - windowSeconds).sqlValue, Int64(minimum).sqlValue])
        guard ready >= minimum else { return nil }
        let statement = VariantExposure.judgedStatement(rule: rule, now: now, windowSeconds: windowSeconds, dialect: .postgres)
        var rows = ReportRows()
        try statement.add(try await connection.namedRows(statement.sql, statement.arguments), &rows)
        return rows.variants.filter(\.complete)
    }

    /// Records `winner` unless its rule has one, in the tick's transaction (`VariantWinner.recordSQL`,
    /// its figures cast to `json`); true when written.
    public func recordVariantWinner(_ winner: VariantWinner) async throws -> Bool {
        try await connection.count(
            """
            WITH written AS (
                INSERT INTO variant_winner(rule, variant, decided_at, figures) VALUES (?, ?, ?, ?::json) ON CONFLICT(rule) DO NOTHING
                RETURNING 1)
            SELECT count(*) FROM written
            """, winner.recordArguments) == 1
    }

    /// Every recorded winner, in the tick's snapshot.
    public func variantWinners() async throws -> [VariantWinner] {
        try await connection.namedRows(VariantWinner.allSQL).map(VariantWinner.init(row:))
    }
}
