import GRDB

/// One group of the report's query: a rule's recipients or holdout customers of one week, whose
/// conversion window has or has not ended, with what they bought inside it.
public struct ExposureWeek: Decodable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var rule: String
    /// Weeks since the epoch, shifted as the request asked (`ReportRows.Request.weekShift`).
    public var week: Int64
    public var holdout: Bool
    /// Whether the window of every customer in the group has ended by the request's `now`.
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

extension ReportRows.Request {
    /// The report's exposures: per rule, each customer once, from their first decision in the
    /// period that put them in a group — a send (queued, in flight, sent or failed) or a holdout;
    /// skips are no exposure. Erased customers and journey steps' rows (reported per journey) are
    /// left out. Columns `rule`, `customer_id`, `status`, `variant`, `decided_at`.
    func firstDecisions(dialect: SQLDialect) -> (sql: String, arguments: [SQLValue]) {
        var arguments = [from.sqlValue, now.sqlValue]
        if let rule { arguments.append(rule.sqlValue) }
        let sql = dialect.firstRowPerGroup(
            ["rule", "customer_id"], "decided_at", ["status", "variant"],
            """
            FROM send
            WHERE status IN \(SendStatus.sqlList(SendStatus.handled)) AND customer_id IS NOT NULL AND journey IS NULL
              AND decided_at BETWEEN ? AND ? \(rule == nil ? "" : "AND rule = ?")
            """)
        return (sql, arguments)
    }
}

extension ExposureWeek {
    /// Per rule, week, group and window state, the first decisions (`firstDecisions`) and what
    /// their customers bought in the window: a purchase at `decided_at < at ≤ decided_at + window`
    /// converts, for both groups. Ordered by rule (in byte order), then week.
    static func statement(_ request: ReportRows.Request, dialect: SQLDialect) -> ReportRows.Statement {
        let first = request.firstDecisions(dialect: dialect)
        let window = request.windowSeconds.sqlValue
        return ReportRows.Statement(
            sql: """
                WITH first AS (\(first.sql)),
                outcome AS (
                    SELECT f.rule, f.status, f.decided_at, count(p.at) AS orders, coalesce(sum(p.amount_minor), 0) AS revenue
                    FROM first f LEFT JOIN purchase p
                      ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + ?
                    GROUP BY f.rule, f.customer_id, f.status, f.decided_at
                )
                SELECT rule, (decided_at + ?) / ? AS week, status = 'holdout' AS holdout,
                       decided_at + ? <= ? AS complete, count(*) AS customers,
                       count(*) FILTER (WHERE status = 'sent') AS delivered, count(*) FILTER (WHERE orders > 0) AS converted,
                       sum(orders) AS orders, sum(revenue) AS revenue, sum(CAST(revenue AS DOUBLE PRECISION) * revenue) AS squares
                FROM outcome
                GROUP BY rule, week, holdout, complete
                ORDER BY rule\(dialect.byteOrder), week
                """,
            arguments: first.arguments + [
                window, request.weekShift.sqlValue, (7 * 86_400 as Int64).sqlValue, window, request.now.sqlValue,
            ]
        ) { rows, into in into.weeks = try rows.map(ExposureWeek.init(row:)) }
    }
}
