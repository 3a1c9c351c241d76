import GRDB

/// One variant of one rule in the report's terms: its recipients whose window has or has not
/// ended, with what they bought inside it.
public struct VariantExposure: Decodable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var rule: String
    public var variant: String
    /// Whether the window of every customer in the group has ended by the request's `now`.
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

extension VariantExposure {
    /// Per rule and variant, the report's measure (`ExposureWeek.statement`) over the first
    /// decisions that carry a variant. Ordered by rule, then variant (in byte order).
    static func statement(_ request: ReportRows.Request, dialect: SQLDialect) -> ReportRows.Statement {
        let first = request.firstDecisions(dialect: dialect)
        let window = request.windowSeconds.sqlValue
        return ReportRows.Statement(
            sql: """
                WITH first AS (\(first.sql)),
                outcome AS (
                    SELECT f.rule, f.variant, f.status, f.decided_at, count(p.at) AS orders,
                           coalesce(sum(p.amount_minor), 0) AS revenue
                    FROM first f LEFT JOIN purchase p
                      ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + ?
                    WHERE f.variant IS NOT NULL
                    GROUP BY f.rule, f.customer_id, f.variant, f.status, f.decided_at
                )
                SELECT rule, variant, decided_at + ? <= ? AS complete, count(*) AS customers,
                       count(*) FILTER (WHERE status = 'sent') AS delivered, count(*) FILTER (WHERE orders > 0) AS converted,
                       sum(orders) AS orders, sum(revenue) AS revenue, sum(CAST(revenue AS DOUBLE PRECISION) * revenue) AS squares
                FROM outcome
                GROUP BY rule, variant, complete
                ORDER BY rule\(dialect.byteOrder), variant\(dialect.byteOrder)
                """,
            arguments: first.arguments + [window, window, request.now.sqlValue]
        ) { rows, into in into.variants = try rows.map(VariantExposure.init(row:)) }
    }
}

extension VariantExposure {
    /// What `winner after N days` judges for `rule` at `now` (`SendLog.completeVariantExposure`),
    /// spelt for `dialect`: the report's variant rows for that rule, of which the caller keeps the
    /// complete groups (recipients whose `windowSeconds` window has ended by `now`). A customer
    /// whose first decision is complete has the same first decision whether later rows are read or
    /// not, so the complete groups equal SQLite's cut-off read. For the PostgreSQL tick.
    public static func judgedStatement(rule: String, now: Int64, windowSeconds: Int64, dialect: SQLDialect) -> ReportRows.Statement {
        statement(ReportRows.Request(since: nil, now: now, windowSeconds: windowSeconds, rule: rule), dialect: dialect)
    }
}
