import GRDB

/// What a consent withdrawal did.
public enum ConsentWithdrawal: Sendable, Equatable {
    /// A `withdrawn` consent row was added.
    case withdrawn
    /// Consent on the channel was already withdrawn: nothing written.
    case alreadyWithdrawn
    /// No customer has that external id (erased, or never imported): nothing written.
    case unknownCustomer
}

/// A store that takes one-click unsubscribes (`CustomerStore`, the PostgreSQL store).
public protocol ConsentWithdrawing: Sendable {
    /// Withdraws the customer's consent on `channel`, dated `at` or the customer's latest consent
    /// record if that is later, so the withdrawal always wins.
    func withdrawConsent(externalID: String, channel: String, at: Int64, source: String) async throws -> ConsentWithdrawal
}

extension CustomerStore: ConsentWithdrawing {
    /// Withdraws the customer's consent on `channel` (one-click unsubscribe), in one write
    /// transaction: adds a `consent` row (status `withdrawn`, `source` as given) dated `at`, or
    /// the customer's latest consent record if that is later (clock skew on import), so the
    /// withdrawal always wins. No suppression row is written (docs/store.md).
    public func withdrawConsent(externalID: String, channel: String, at: Int64, source: String) async throws
        -> ConsentWithdrawal
    {
        guard Self.consentChannels.contains(channel) else { throw StoreError.unknownChannel(channel) }
        return try await database.write { db -> ConsentWithdrawal in
            guard let row = try Row.fetchOne(
                db,
                sql: Self.consentStatusSQL(channel: channel), arguments: [externalID])
            else { return .unknownCustomer }
            if (row["status"] as String?) == "withdrawn" { return .alreadyWithdrawn }
            let stamp = max(at, row["status_at"] as Int64? ?? at)
            try db.execute(
                sql: Self.withdrawalSQL,
                arguments: [row["id"] as Int64, channel, stamp, source])
            return .withdrawn
        }
    }

    /// The customer with an external id, and their consent status on `channel` and its date:
    /// both stores' SQL.
    public static func consentStatusSQL(channel: String) -> String {
        """
        SELECT c.id, f.\(channel)_consent AS status, f.\(channel)_consent_at AS status_at
        FROM customer c LEFT JOIN customer_facts f ON f.customer_id = c.id WHERE c.external_id = ?
        """
    }

    /// Adds a withdrawal (customer, channel, at, source): both stores' SQL.
    public static let withdrawalSQL = """
        INSERT INTO consent(customer_id, channel, status, at, source) VALUES (?, ?, 'withdrawn', ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// The channels consent is recorded for.
    public static let consentChannels: Set<String> = ["email", "letter", "webhook"]
}
