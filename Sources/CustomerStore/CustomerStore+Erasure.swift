import GRDB

extension CustomerStore {
    /// The channels a suppression names an address for, in the order erasure reports them.
    public static let suppressionChannels = ["email", "letter", "webhook"]

    /// Erases the customer with external id `externalID` (the right to erasure), in one transaction.
    ///
    /// - each address the customer has (email, postal address, external id for webhooks) is
    ///   suppressed by its hash (`SuppressionAddress.hashed`, reason `erased`), replacing a plain
    ///   entry for it, so the same address imported again is still never sent to;
/// - the customer's active journey enrolments end `left`, detail `erased` (the rows stay, with a
///   NULL `customer_id`, for the journeys' counts);
    /// - the customer's send-log rows lose their personal data (`scrubSendLog`); queued and
    ///   in-flight ones become `skipped` with reason `erased`, so the dispatcher never sends them;
    /// - the customer record is deleted, and with it purchases, events, feedback, consents, tags and
    ///   facts (foreign keys cascade; send-log rows keep a NULL `customer_id`).
    ///
    /// Deleted pages are overwritten with zeros (`secure_delete`) and the write-ahead log is
    /// truncated when no reader holds it. Throws `StoreError.unknownCustomer` when there is no
    /// such customer.
    public func erase(externalID: String, now: Int64) throws -> Erasure {
        var erasure = Erasure(customer: externalID)
        try database.writeWithoutTransaction { db in
            let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
            try db.inTransaction(.immediate) {
                erasure = try Self.erase(externalID: externalID, now: now, in: db)
                return .commit
            }
            let checkpoint = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            erasure.walTruncated = checkpoint.map { ($0[0] as Int?) == 0 } ?? false
        }
        return erasure
    }

    private static func erase(externalID: String, now: Int64, in db: Database) throws -> Erasure {
        let addresses = suppressionChannels.map { SuppressionAddress.sql(channel: $0) }.joined(separator: ", ")
        guard let customer = try Row.fetchOne(
            db, sql: "SELECT c.id, \(addresses) FROM customer c WHERE c.external_id = ?", arguments: [externalID])
        else { throw StoreError.unknownCustomer(externalID: externalID) }
        let id: Int64 = customer[0]
        var erasure = Erasure(customer: externalID)
        for (index, channel) in suppressionChannels.enumerated() {
            guard let address: String = customer[index + 1], address.contains(where: { $0 != "|" && $0 != " " }) else {
                continue
            }
            try db.execute(sql: "DELETE FROM suppression WHERE channel = ? AND address = ?", arguments: [channel, address])
            try db.execute(
                sql: "INSERT INTO suppression(channel, address, reason, at) VALUES (?, ?, 'erased', ?) ON CONFLICT DO NOTHING",
                arguments: [channel, SuppressionAddress.hashed(address), now])
            erasure.suppressed.append(channel)
        }
        let counts = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT count(*) FROM purchase WHERE customer_id = ?1), (SELECT count(*) FROM event WHERE customer_id = ?1),
                       (SELECT count(*) FROM feedback WHERE customer_id = ?1), (SELECT count(*) FROM consent WHERE customer_id = ?1),
                       (SELECT count(*) FROM customer_tag WHERE customer_id = ?1),
                       (SELECT count(*) FROM send WHERE customer_id = ?1 AND status IN ('queued', 'in_flight'))
                """,
            arguments: [id])!
        (erasure.purchases, erasure.events, erasure.feedback, erasure.consents, erasure.tags, erasure.sendsCancelled) =
            (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
        try db.execute(
            sql: "UPDATE enrolment SET ended = 'left', ended_detail = 'erased', ended_at = ? WHERE customer_id = ? AND ended IS NULL",
            arguments: [now, id])
        try db.execute(sql: "UPDATE send SET \(scrubSendLog) WHERE customer_id = ?", arguments: [now, id])
        erasure.sendsScrubbed = db.changesCount
        try db.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [id])
        return erasure
    }

    /// The assignments that take personal data out of send-log rows of an erased customer, with
    /// `updated_at` as the one argument: evidence (fact values), errors and receipts (a receiver's
    /// answer may quote the address) go; the text after `:` in a reason goes (`gave up after 3
    /// attempts: …` keeps its first part); queued and in-flight rows become `skipped`, reason
    /// `erased`. Status, rule, channel, target (a template or endpoint name) and times stay.
    ///
    /// The dispatcher applies them again to a row whose customer was erased while it was being
    /// sent (`customer_id` NULL by then), after recording the outcome.
    public static let scrubSendLog = """
        status = CASE WHEN status IN ('queued', 'in_flight') THEN 'skipped' ELSE status END,
        reason = CASE WHEN status IN ('queued', 'in_flight') THEN 'erased'
                      WHEN status = 'sent' THEN NULL
                      WHEN instr(reason, ':') > 0 THEN substr(reason, 1, instr(reason, ':') - 1)
                      ELSE reason END,
        due_at = CASE WHEN status IN ('queued', 'in_flight') THEN NULL ELSE due_at END,
        evidence = '{}', last_error = NULL, updated_at = ?
        """
}
