extension SendOutcome {
    /// One statement of an outcome's write: SQL with `?` placeholders, the same in SQLite and
    /// PostgreSQL, and its arguments.
    public struct Statement: Sendable {
        public let sql: String
        public let arguments: [SQLValue]
    }

    /// The statements that write this outcome to the send log, in order, to run in one
    /// transaction: the row's new state, then the coupon's release (a send that ended skipped or
    /// failed), the hard bounce's suppression, and the scrub of a customer erased meanwhile. Both
    /// stores run exactly these (`SendLog.record`, `PostgresStore.record`).
    public var statements: [Statement] {
        let id = send.id.sqlValue
        let now = at.sqlValue
        var statements: [Statement] = []
        func add(_ sql: String, _ arguments: [any SQLValueConvertible]) {
            statements.append(Statement(sql: sql, arguments: arguments.map(\.sqlValue)))
        }
        switch change {
        case .sent(let attempts, let receipt):
            add(
                "UPDATE send SET status = 'sent', attempts = ?, last_error = NULL, reason = ?, updated_at = ? WHERE id = ?",
                [attempts, receipt.map { String($0.prefix(500)) }, now, id])
            addScrubIfErased(&statements)
        case .retry(let attempts, let dueAt, let error):
            add(
                "UPDATE send SET status = 'queued', attempts = ?, due_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
                [attempts, dueAt, String(error.prefix(500)), now, id])
            addScrubIfErased(&statements)
        case .failed(let attempts, let error, let hardBounce):
            add(
                "UPDATE send SET status = 'failed', attempts = ?, last_error = ?, reason = ?, updated_at = ? WHERE id = ?",
                [attempts, String(error.prefix(500)), hardBounce ? "hard bounce" : "permanent failure", now, id])
            addCouponRelease(&statements)
            if hardBounce, let customerID = send.customerID {
                let address = SuppressionAddress.sql(channel: send.channel)
                add(
                    """
                    INSERT INTO suppression(channel, address, reason, at)
                    SELECT ?, \(address), 'hard_bounce', ? FROM customer c
                    WHERE c.id = ? AND \(address) IS NOT NULL
                    ON CONFLICT(channel, address) DO NOTHING
                    """, [send.channel, now, customerID])
            }
            addScrubIfErased(&statements)
        case .held(let until):
            add("UPDATE send SET status = 'queued', due_at = ?, reason = 'held for quiet hours', updated_at = ? WHERE id = ?", [until, now, id])
        case .finished(let status, let reason, let attempts):
            add(
                "UPDATE send SET status = ?, reason = ?, attempts = ?, updated_at = ? WHERE id = ?",
                [status.rawValue, reason, attempts ?? send.attempts, now, id])
            if status == .skipped || status == .failed { addCouponRelease(&statements) }
        }
        return statements
    }

    /// Puts the coupon of a send that ended skipped or failed, never delivered, back in its pool
    /// (docs/rules.md, "Coupon pools"), in the transaction that records the end.
    private func addCouponRelease(_ statements: inout [Statement]) {
        guard let coupon = send.coupon else { return }
        statements.append(Statement(sql: CouponQueue.releaseSQL, arguments: [coupon.sqlValue]))
        statements.append(Statement(sql: "UPDATE send SET coupon = NULL WHERE id = ?", arguments: [send.id.sqlValue]))
    }

    /// When the customer was erased while the row was being sent (`customer_id` is NULL now),
    /// takes the personal data the outcome just wrote (receipt, error) out again, and turns a row
    /// that went back to the queue into a skip.
    private func addScrubIfErased(_ statements: inout [Statement]) {
        guard send.customerID != nil else { return }
        statements.append(
            Statement(
                sql: "UPDATE send SET \(CustomerStore.scrubSendLog) WHERE id = ? AND customer_id IS NULL",
                arguments: [at.sqlValue, send.id.sqlValue]))
    }
}
