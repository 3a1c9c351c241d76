import GRDB

/// One group of the journey report's query: a journey's entrants or its held-out entrants whose
/// conversion window has or has not ended, with how many reached the goal and what they bought.
public struct JourneyOutcome: Decodable, Sendable, Equatable, FetchableRecord {
    public var journey: String
    /// The entry holdout (decided at entry).
    public var holdout: Bool
    /// Whether the window of every enrolment in the group has ended by the query's `now`.
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

/// What the journey report asks the store: entries in a period, with a conversion window.
public struct JourneyOutcomeQuery: Sendable {
    /// First instant of the period (nil: from the first entry on).
    public var since: Int64?
    /// The period ends here; only windows ended by now are complete.
    public var now: Int64
    public var windowSeconds: Int64
    /// Only this journey.
    public var journey: String?

    public init(since: Int64?, now: Int64, windowSeconds: Int64, journey: String? = nil) {
        self.since = since
        self.now = now
        self.windowSeconds = windowSeconds
        self.journey = journey
    }
}

extension Enrolments {
    /// The journey report's conversion query over enrolments and purchases, in one read transaction.
    ///
    /// Every enrolment entered in the period (`since ≤ entered_at ≤ now`) counts once, in the
    /// entry holdout's group or not. Its window is `entered_at < t ≤ entered_at + window`: it
    /// converts when it ended `goal` at such a `t`, or when the customer bought at such a `t`.
    /// Erased customers are left out. Rows are ordered by journey.
    public func outcomes(_ query: JourneyOutcomeQuery) throws -> [JourneyOutcome] {
        try database.read { db in
            try JourneyOutcome.fetchAll(
                db,
                sql: """
                    WITH entry AS (
                        SELECT id, journey, customer_id, entered_at, holdout,
                               coalesce(ended = 'goal' AND ended_at <= entered_at + :window AND ended_at <= :now, 0) AS goal
                        FROM enrolment
                        WHERE customer_id IS NOT NULL AND entered_at BETWEEN :since AND :now
                          \(query.journey == nil ? "" : "AND journey = :journey")
                    ),
                    outcome AS (
                        SELECT e.journey, e.holdout, e.entered_at, e.goal, count(p.at) AS orders,
                               coalesce(sum(p.amount_minor), 0) AS revenue
                        FROM entry e LEFT JOIN purchase p
                          ON p.customer_id = e.customer_id AND p.at > e.entered_at AND p.at <= e.entered_at + :window
                        GROUP BY e.id
                    )
                    SELECT journey, holdout, entered_at + :window <= :now AS complete, count(*) AS entrants,
                           sum(goal) AS goal, sum(goal OR orders > 0) AS converted, sum(orders) AS orders,
                           sum(revenue) AS revenue, total(CAST(revenue AS REAL) * revenue) AS squares
                    FROM outcome
                    GROUP BY journey, holdout, complete
                    ORDER BY journey
                    """,
                arguments: [
                    "since": query.since ?? Int64.min, "now": query.now, "window": query.windowSeconds,
                    "journey": query.journey,
                ])
        }
    }
}
