import GRDB

/// One group of the report's query: a rule's recipients or holdout customers of one week, whose
/// conversion window has or has not ended, with what they bought inside it.
public struct ExposureWeek: Decodable, Sendable, Equatable, FetchableRecord {
    public var rule: String
    /// Weeks since the epoch, shifted as the query asked (`ExposureQuery.weekShift`).
    public var week: Int64
    public var holdout: Bool
    /// Whether the window of every customer in the group has ended by the query's `now`.
    public var complete: Bool
    public var customers: Int
    /// Of them, delivered (status `sent`).
    public var delivered: Int
    /// Customers with at least one purchase inside their window.
    public var converted: Int
    public var orders: Int
    /// Revenue inside the windows, in minor units, and the sum of each customer's revenue squared.
    public var revenue: Int64
    public var squares: Double
}

/// What the report asks the send log: exposures decided in a period, with a conversion window.
public struct ExposureQuery: Sendable {
    /// First instant of the period (nil: from the first decision on).
    public var since: Int64?
    /// The period ends here; only windows ended by now are complete.
    public var now: Int64
    public var windowSeconds: Int64
    /// Only this rule.
    public var rule: String?
    /// Added to `decided_at` before dividing by a week: the week's start offset from the epoch's.
    public var weekShift: Int64

    public init(since: Int64?, now: Int64, windowSeconds: Int64, rule: String?, weekShift: Int64) {
        self.since = since
        self.now = now
        self.windowSeconds = windowSeconds
        self.rule = rule
        self.weekShift = weekShift
    }
}

extension SendLog {
    /// The report's one query over the send log and the purchases, in one read transaction.
    ///
    /// Per rule, each customer counts once, from their first decision in the period that put them
    /// in a group: a send (queued, in flight, sent or failed) or a holdout; skips are no exposure.
    /// The window runs from that decision's `decided_at` for both groups: a purchase at
    /// `decided_at < at ≤ decided_at + window` converts. Erased customers and journey steps' rows
    /// (reported per journey, `Enrolments.outcomes`) are left out. Rows are ordered by rule, then week.
    public func exposureWeeks(_ query: ExposureQuery) throws -> [ExposureWeek] {
        try database.read { db in
            try ExposureWeek.fetchAll(
                db,
                sql: """
                    WITH first AS (
                        SELECT rule, customer_id, min(decided_at) AS decided_at, status
                        FROM send
                        WHERE status IN \(SendStatus.sqlList(SendStatus.handled)) AND customer_id IS NOT NULL AND journey IS NULL
                          AND decided_at BETWEEN :since AND :now \(query.rule == nil ? "" : "AND rule = :rule")
                        GROUP BY rule, customer_id
                    ),
                    outcome AS (
                        SELECT f.rule, f.status, f.decided_at, count(p.at) AS orders, coalesce(sum(p.amount_minor), 0) AS revenue
                        FROM first f LEFT JOIN purchase p
                          ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + :window
                        GROUP BY f.rule, f.customer_id
                    )
                    SELECT rule, (decided_at + :shift) / :week AS week, status = 'holdout' AS holdout,
                           decided_at + :window <= :now AS complete, count(*) AS customers,
                           sum(status = 'sent') AS delivered, sum(orders > 0) AS converted, sum(orders) AS orders,
                           sum(revenue) AS revenue, total(CAST(revenue AS REAL) * revenue) AS squares
                    FROM outcome
                    GROUP BY rule, week, holdout, complete
                    ORDER BY rule, week
                    """,
                arguments: [
                    "since": query.since ?? Int64.min, "now": query.now, "rule": query.rule, "window": query.windowSeconds,
                    "shift": query.weekShift, "week": 7 * 86_400,
                ])
        }
    }
}
