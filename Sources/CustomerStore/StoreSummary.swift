import GRDB

/// Counts that tell an operator what a store holds.
public struct StoreSummary: Sendable, Equatable {
    public var migrations = 0
    public var customers = 0
    public var customersWithPurchases = 0
    public var purchases = 0
    public var revenueMinor: Int64 = 0
    public var events = 0
    public var feedback = 0
    public var promoters = 0
    public var detractors = 0
    public var consents = 0
    public var emailConsents = 0
    public var suppressions = 0
}

extension CustomerStore {
    /// Counts of everything in the store, read in one snapshot; per-customer numbers come from the facts table.
    public func summary() throws -> StoreSummary {
        let migrations = try appliedMigrations().count
        return try database.read { db in
            var summary = StoreSummary()
            summary.migrations = migrations
            summary.customers = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer") ?? 0
            summary.purchases = try Int.fetchOne(db, sql: "SELECT count(*) FROM purchase") ?? 0
            summary.events = try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0
            summary.feedback = try Int.fetchOne(db, sql: "SELECT count(*) FROM feedback") ?? 0
            summary.consents = try Int.fetchOne(db, sql: "SELECT count(*) FROM consent") ?? 0
            summary.suppressions = try Int.fetchOne(db, sql: "SELECT count(*) FROM suppression") ?? 0
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE orders > 0), coalesce(sum(spent_minor), 0),
                       count(*) FILTER (WHERE nps_score >= 9), count(*) FILTER (WHERE nps_score <= 6),
                       count(*) FILTER (WHERE email_consent = 'granted')
                FROM customer_facts
                """)!
            summary.customersWithPurchases = row[0]
            summary.revenueMinor = row[1]
            summary.promoters = row[2]
            summary.detractors = row[3]
            summary.emailConsents = row[4]
            return summary
        }
    }
}
