import GRDB

/// One variant of one rule in the report's terms: its recipients whose window has or has not
/// ended, with what they bought inside it.
public struct VariantExposure: Decodable, Sendable, Equatable, FetchableRecord {
    public var rule: String
    public var variant: String
    /// Whether the window of every customer in the group has ended by the query's `now`.
    public var complete: Bool
    public var customers: Int
    /// Of them, delivered (status `sent`).
    public var delivered: Int
    public var converted: Int
    public var orders: Int
    /// In minor units, and the sum of each customer's revenue squared.
    public var revenue: Int64
    public var squares: Double
}

extension SendLog {
    /// Per rule and variant, the report's measure (`exposureWeeks`) over the rows that carry a
    /// variant: each customer once per rule, from their first decision in the period, the window
    /// from its `decided_at`. Journey steps' rows are left out. Ordered by rule, then variant.
    public func variantExposure(_ query: ExposureQuery) throws -> [VariantExposure] {
        try database.read { db in
            try VariantExposure.fetchAll(
                db,
                sql: """
                    WITH first AS (
                        SELECT rule, customer_id, min(decided_at) AS decided_at, status, variant
                        FROM send
                        WHERE status IN \(SendStatus.sqlList(SendStatus.handled)) AND customer_id IS NOT NULL AND journey IS NULL
                          AND decided_at BETWEEN :since AND :now \(query.rule == nil ? "" : "AND rule = :rule")
                        GROUP BY rule, customer_id
                    ),
                    outcome AS (
                        SELECT f.rule, f.variant, f.status, f.decided_at, count(p.at) AS orders,
                               coalesce(sum(p.amount_minor), 0) AS revenue
                        FROM first f LEFT JOIN purchase p
                          ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + :window
                        WHERE f.variant IS NOT NULL
                        GROUP BY f.rule, f.customer_id
                    )
                    SELECT rule, variant, decided_at + :window <= :now AS complete, count(*) AS customers,
                           sum(status = 'sent') AS delivered, sum(orders > 0) AS converted, sum(orders) AS orders,
                           sum(revenue) AS revenue, total(CAST(revenue AS REAL) * revenue) AS squares
                    FROM outcome
                    GROUP BY rule, variant, complete
                    ORDER BY rule, variant
                    """,
                arguments: [
                    "since": query.since ?? Int64.min, "now": query.now, "rule": query.rule, "window": query.windowSeconds,
                ])
        }
    }
}
