import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// The checks repeated right before dispatch, with the same SQL a tick uses: is consent for the
/// channel granted at `now` (for a service message: not withdrawn), is the address suppressed,
/// is the address complete.
public enum ConsentCheck {
    public struct Result: Sendable, Equatable {
        /// For a service message: no withdrawal on the channel.
        public let consentGranted: Bool
        public let suppressed: Bool
        public let addressComplete: Bool
        public var purpose: MessagePurpose = .marketing

        public init(consentGranted: Bool, suppressed: Bool, addressComplete: Bool, purpose: MessagePurpose = .marketing) {
            self.consentGranted = consentGranted
            self.suppressed = suppressed
            self.addressComplete = addressComplete
            self.purpose = purpose
        }

        /// Why the customer may not be sent to now, or nil.
        public var skipReason: SkipReason? {
            if !consentGranted { return purpose == .service ? .consentWithdrawn : .noConsent }
            if suppressed { return .suppressed }
            if !addressComplete { return .missingAddress }
            return nil
        }
    }

    /// The checks for one customer (internal id), or nil when the customer no longer exists.
    public static func check(
        customer: Int64, channel: Channel, purpose: MessagePurpose = .marketing, now: Int64, dialect: SQLDialect = .sqlite,
        in db: Database
    ) throws -> Result? {
        let query = query(customer: customer, channel: channel, purpose: purpose, now: now, dialect: dialect)
        // A cached statement: the dispatcher runs this once per send.
        guard let row = try Row.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.statementArguments) else {
            return nil
        }
        return Result(consentGranted: row[0], suppressed: row[1], addressComplete: row[2], purpose: purpose)
    }

    /// What the dispatcher needs right before a send: the checks, and the customer's profile for
    /// the message, read in one snapshot of `store`. Nil when the customer no longer exists.
    public static func recheck(
        customer: Int64, channel: Channel, purpose: MessagePurpose = .marketing, now: Int64, in store: CustomerStore
    ) async throws -> (result: Result, profile: CustomerProfile)? {
        try await store.inSnapshot { db in
            guard
                let result = try check(
                    customer: customer, channel: channel, purpose: purpose, now: now, dialect: store.dialect, in: db),
                let profile = try CustomerProfile.fetch(id: customer, in: db)
            else { return nil }
            return (result, profile)
        }
    }

    /// The three checks as one row: consent granted, suppressed, address complete.
    static func query(customer: Int64, channel: Channel, purpose: MessagePurpose, now: Int64, dialect: SQLDialect) -> SQLFragment {
        let facts = FactSQL(settings: EvaluationSettings(now: now, businessTimeZone: .gmt, currency: "EUR"), dialect: dialect)
        return SQLFragment.composed(
            "SELECT {}, {}, {} FROM customer_facts f JOIN customer c ON c.id = f.customer_id WHERE f.customer_id = {}",
            purpose == .service ? facts.consentNotWithdrawn(channel) : facts.consentGranted(channel), facts.suppressed(channel), facts.addressComplete(channel),
            .value(customer.databaseValue))
    }
}
