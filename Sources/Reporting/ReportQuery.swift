import CustomerStore

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

    /// Runs the query on `store`'s send log and groups its rows into one report per rule, by rule name.
    public func rules(in store: CustomerStore) throws -> [RuleReport] {
        let rows = try store.sendLog.exposureWeeks(
            ExposureQuery(
                since: since, now: now, windowSeconds: Int64(windowDays) * 86_400, rule: rule,
                weekShift: Int64(utcOffsetSeconds) + Self.mondayShift))
        var reports: [RuleReport] = []
        var index = 0
        while index < rows.count {
            let name = rows[index].rule
            var weeks: [WeekTally] = []
            var pending = 0
            while index < rows.count, rows[index].rule == name {
                let row = rows[index]
                index += 1
                guard row.complete else {
                    pending += row.customers
                    continue
                }
                let start = row.week * Self.week - Self.mondayShift - Int64(utcOffsetSeconds)
                if weeks.last?.start != start { weeks.append(WeekTally(start: start)) }
                var tally = GroupTally()
                tally.customers = row.customers
                tally.delivered = row.delivered
                tally.converted = row.converted
                tally.orders = row.orders
                tally.revenueMinor = row.revenue
                tally.revenueSquares = row.squares
                if row.holdout {
                    weeks[weeks.count - 1].holdout = tally
                } else {
                    weeks[weeks.count - 1].recipients = tally
                }
            }
            reports.append(RuleReport(rule: name, weeks: weeks, pending: pending))
        }
        return reports
    }
}
