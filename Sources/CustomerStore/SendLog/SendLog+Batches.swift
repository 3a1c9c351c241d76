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
        let send = outcome.send
        let now = outcome.at
        switch outcome.change {
        case .sent(let attempts, let receipt):
            try db.cachedStatement(
                sql: "UPDATE send SET status = 'sent', attempts = ?, last_error = NULL, reason = ?, updated_at = ? WHERE id = ?"
            ).execute(arguments: [attempts, receipt.map { String($0.prefix(500)) }, now, send.id])
            try scrubIfErased(send, now: now, in: db)
        case .retry(let attempts, let dueAt, let error):
            try db.cachedStatement(
                sql: "UPDATE send SET status = 'queued', attempts = ?, due_at = ?, last_error = ?, updated_at = ? WHERE id = ?"
            ).execute(arguments: [attempts, dueAt, String(error.prefix(500)), now, send.id])
            try scrubIfErased(send, now: now, in: db)
        case .failed(let attempts, let error, let hardBounce):
            try db.cachedStatement(
                sql: "UPDATE send SET status = 'failed', attempts = ?, last_error = ?, reason = ?, updated_at = ? WHERE id = ?"
            ).execute(arguments: [
                attempts, String(error.prefix(500)), hardBounce ? "hard bounce" : "permanent failure", now, send.id,
            ])
            try releaseCoupon(of: send, in: db)
            if hardBounce, let customerID = send.customerID {
                let address = SuppressionAddress.sql(channel: send.channel)
                try db.cachedStatement(
                    sql: """
                        INSERT INTO suppression(channel, address, reason, at)
                        SELECT ?, \(address), 'hard_bounce', ? FROM customer c
                        WHERE c.id = ? AND \(address) IS NOT NULL
                        ON CONFLICT(channel, address) DO NOTHING
                        """
                ).execute(arguments: [send.channel, now, customerID])
            }
            try scrubIfErased(send, now: now, in: db)
        case .held(let until):
            try db.cachedStatement(
                sql: "UPDATE send SET status = 'queued', due_at = ?, reason = 'held for quiet hours', updated_at = ? WHERE id = ?"
            ).execute(arguments: [until, now, send.id])
        case .finished(let status, let reason, let attempts):
            try db.cachedStatement(sql: "UPDATE send SET status = ?, reason = ?, attempts = ?, updated_at = ? WHERE id = ?")
                .execute(arguments: [status.rawValue, reason, attempts ?? send.attempts, now, send.id])
            if status == .skipped || status == .failed { try releaseCoupon(of: send, in: db) }
        }
    }
}
