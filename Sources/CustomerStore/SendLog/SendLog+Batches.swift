import GRDB

/// The dispatcher's batch forms: a claim that also reads what the batch needs in the claim's
/// transaction, and outcomes committed together (group commit).
extension SendLog {
    /// Claims up to `limit` rows due at `now` like `claimDue(limit:now:)`, then runs `reading`
    /// on the claimed rows inside the same committed transaction (one set-based read for the
    /// whole batch, e.g. the consent re-check), and returns both.
    public func claimDue<T: Sendable>(
        limit: Int, now: Int64, reading: @escaping @Sendable (Database, [SendRecord]) throws -> T
    ) async throws -> (sends: [SendRecord], read: T) {
        try await database.write { db in
            let sends = try SendRecord.fetchAll(db.cachedStatement(sql: Self.claimSQL), arguments: [now, limit])
            return (sends: sends, read: try reading(db, sends))
        }
    }

    /// Writes `outcomes` in one transaction: all of them or, when the store refuses (a full
    /// disk), none. Each is written as the one-send methods write it (coupon release, hard-bounce
    /// suppression, scrubbing a customer erased meanwhile).
    public func record(_ outcomes: [SendOutcome]) async throws {
        guard !outcomes.isEmpty else { return }
        try await database.write { db in
            for outcome in outcomes { try Self.apply(outcome, in: db) }
        }
    }

    static func apply(_ outcome: SendOutcome, in db: Database) throws {
        for statement in outcome.statements {
            try db.cachedStatement(sql: statement.sql).execute(arguments: StatementArguments(each: statement.arguments))
        }
    }
}
