import GRDB

/// The report's one query over the send log and the purchases.
///
/// Per rule, each customer counts once, from their first decision in the period that put them in
/// a group: a send (queued, in flight, sent or failed) or a holdout. Skips are no exposure. The
/// window runs from that decision's `decided_at` (the tick's instant) for both groups: a purchase
/// at `decided_at < at ≤ decided_at + window` converts. Customers whose window ends after `now`
/// are counted as pending and left out; erased customers (no `customer_id`) are left out.
public struct ReportQuery: Sendable {
    /// First instant of the period (nil: from the first decision on).
    public var since: Int64?
    /// The report's instant: the period ends here, and only windows ended by now are measured.
    public var now: Int64
    public var windowDays: Int
    /// Only this rule.
    public var rule: String?
    /// The business time zone's offset from UTC, for the start of weeks (one offset for the whole
    /// period: across a daylight-saving change a decision within an hour of Monday midnight may
    /// fall in the neighbouring week).
    public var utcOffsetSeconds: Int

    public init(since: Int64?, now: Int64, windowDays: Int, rule: String? = nil, utcOffsetSeconds: Int = 0) {
        self.since = since
        self.now = now
        self.windowDays = windowDays
        self.rule = rule
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    static let week: Int64 = 7 * 86_400
    /// 1970-01-01 was a Thursday: shifting by 3 days starts weeks on Mondays.
    static let mondayShift: Int64 = 3 * 86_400

    /// Runs the query and groups its rows into one report per rule, by rule name.
    public func rules(_ db: Database) throws -> [RuleReport] {
        let window = Int64(windowDays) * 86_400
        let rows = try Row.fetchAll(
            db,
            sql: """
                WITH first AS (
                    SELECT rule, customer_id, min(decided_at) AS decided_at, status
                    FROM send
                    WHERE status IN ('queued', 'in_flight', 'sent', 'failed', 'holdout') AND customer_id IS NOT NULL
                      AND decided_at BETWEEN :since AND :now \(rule == nil ? "" : "AND rule = :rule")
                    GROUP BY rule, customer_id
                ),
                outcome AS (
                    SELECT f.rule, f.status, f.decided_at, count(p.at) AS orders, coalesce(sum(p.amount_minor), 0) AS revenue
                    FROM first f LEFT JOIN purchase p
                      ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + :window
                    GROUP BY f.rule, f.customer_id
                )
                SELECT rule, (decided_at + :offset + :shift) / :week AS week, status = 'holdout' AS holdout,
                       decided_at + :window <= :now AS complete, count(*) AS customers,
                       sum(status = 'sent') AS delivered, sum(orders > 0) AS converted, sum(orders) AS orders,
                       sum(revenue) AS revenue, total(CAST(revenue AS REAL) * revenue) AS squares
                FROM outcome
                GROUP BY rule, week, holdout, complete
                ORDER BY rule, week
                """,
            arguments: [
                "since": since ?? Int64.min, "now": now, "rule": rule, "window": window,
                "offset": utcOffsetSeconds, "shift": Self.mondayShift, "week": Self.week,
            ])
        var reports: [RuleReport] = []
        var index = 0
        while index < rows.count {
            let name: String = rows[index]["rule"]
            var weeks: [WeekTally] = []
            var pending = 0
            while index < rows.count, rows[index]["rule"] == name {
                let row = rows[index]
                index += 1
                guard row["complete"] as Bool else {
                    pending += row["customers"] as Int
                    continue
                }
                let start = (row["week"] as Int64) * Self.week - Self.mondayShift - Int64(utcOffsetSeconds)
                if weeks.last?.start != start { weeks.append(WeekTally(start: start)) }
                var tally = GroupTally()
                tally.customers = row["customers"]
                tally.delivered = row["delivered"]
                tally.converted = row["converted"]
                tally.orders = row["orders"]
                tally.revenueMinor = row["revenue"]
                tally.revenueSquares = row["squares"]
                if row["holdout"] as Bool {
                    weeks[weeks.count - 1].holdout = tally
                } else {
                    weeks[weeks.count - 1].recipients = tally
                }
            }
            reports.append(RuleReport(rule: name, weeks: weeks, pending: pending))
        }
        return reports
    }

    /// Every rule name in the send log, for "did you mean".
    public static func ruleNames(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT rule FROM send ORDER BY rule")
    }
}
