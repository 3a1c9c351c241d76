import GRDB

/// One group of the journey report's query: a journey's entrants or its held-out entrants whose
/// conversion window has or has not ended, with how many reached the goal and what they bought.
public struct JourneyOutcome: Decodable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var journey: String
    /// The entry holdout (decided at entry).
    public var holdout: Bool
    /// Whether the window of every enrolment in the group has ended by the request's `now`.
    public var complete: Bool
    /// Enrolments (entry occurrences) in the group.
    public var entrants: Int
    /// Of them, ended `goal` inside their window.
    public var goal: Int
    /// Of them, converted: the goal inside the window, or a purchase inside it.
    public var converted: Int
    /// Purchases inside the windows, their revenue in minor units, and Σ (revenue per entrant)².
    public var orders: Int
    public var revenue: Int64
    public var squares: Double
}

extension JourneyOutcome {
    /// The journey report's conversion query over enrolments and purchases.
    ///
    /// Every enrolment entered in the period (`since ≤ entered_at ≤ now`) counts once, in the
    /// entry holdout's group or not. Its window is `entered_at < t ≤ entered_at + window`: it
    /// converts when it ended `goal` at such a `t`, or when the customer bought at such a `t`.
    /// Erased customers are left out. Ordered by journey (in byte order).
    static func statement(_ request: ReportRows.Request, dialect: SQLDialect) -> ReportRows.Statement {
        let window = request.windowSeconds.sqlValue
        let now = request.now.sqlValue
        var arguments = [window, now, request.from.sqlValue, now]
        if let journey = request.journey { arguments.append(journey.sqlValue) }
        return ReportRows.Statement(
            sql: """
                WITH entry AS (
                    SELECT id, journey, customer_id, entered_at, holdout,
                           CASE WHEN ended = 'goal' AND ended_at <= entered_at + ? AND ended_at <= ? THEN 1 ELSE 0 END AS goal
                    FROM enrolment
                    WHERE customer_id IS NOT NULL AND entered_at BETWEEN ? AND ?
                      \(request.journey == nil ? "" : "AND journey = ?")
                ),
                outcome AS (
                    SELECT e.journey, e.holdout, e.entered_at, e.goal, count(p.at) AS orders,
                           coalesce(sum(p.amount_minor), 0) AS revenue
                    FROM entry e LEFT JOIN purchase p
                      ON p.customer_id = e.customer_id AND p.at > e.entered_at AND p.at <= e.entered_at + ?
                    GROUP BY e.id, e.journey, e.holdout, e.entered_at, e.goal
                )
                SELECT journey, holdout, entered_at + ? <= ? AS complete, count(*) AS entrants,
                       sum(goal) AS goal, count(*) FILTER (WHERE goal = 1 OR orders > 0) AS converted, sum(orders) AS orders,
                       sum(revenue) AS revenue, sum(CAST(revenue AS DOUBLE PRECISION) * revenue) AS squares
                FROM outcome
                GROUP BY journey, holdout, complete
                ORDER BY journey\(dialect.byteOrder)
                """,
            arguments: arguments + [window, window, now]
        ) { rows, into in into.journeyOutcomes = try rows.map(JourneyOutcome.init(row:)) }
    }
}
