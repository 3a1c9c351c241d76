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

    public init() {}

    /// One row of eleven whole numbers, the same SQL on both stores (per-customer numbers come
    /// from the facts table); `init(migrations:counts:)` reads it.
    public static let countsSQL = """
        SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM purchase), (SELECT count(*) FROM event),
               (SELECT count(*) FROM feedback), (SELECT count(*) FROM consent), (SELECT count(*) FROM suppression),
               count(*) FILTER (WHERE orders > 0), coalesce(sum(spent_minor), 0),
               count(*) FILTER (WHERE nps_score >= 9), count(*) FILTER (WHERE nps_score <= 6),
               count(*) FILTER (WHERE email_consent = 'granted')
        FROM customer_facts
        """

    /// The summary from `countsSQL`'s row, in its order.
    public init(migrations: Int, counts: [Int64]) {
        precondition(counts.count == 11, "StoreSummary.countsSQL gives eleven numbers")
        self.migrations = migrations
        (customers, purchases, events, feedback, consents, suppressions) =
            (Int(counts[0]), Int(counts[1]), Int(counts[2]), Int(counts[3]), Int(counts[4]), Int(counts[5]))
        (customersWithPurchases, revenueMinor, promoters, detractors, emailConsents) =
            (Int(counts[6]), counts[7], Int(counts[8]), Int(counts[9]), Int(counts[10]))
    }
}

extension CustomerStore {
    /// Counts of everything in the store, read in one snapshot.
    public func summary() throws -> StoreSummary {
        let migrations = try appliedMigrations().count
        let counts = try database.read { db in
            try Row.fetchOne(db, sql: StoreSummary.countsSQL).map { row in (0..<11).map { row[$0] as Int64 } } ?? []
        }
        return StoreSummary(migrations: migrations, counts: counts)
    }
}
