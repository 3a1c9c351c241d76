import CustomerStore

/// What the report asks of the store's send log, enrolments and purchases (`ReportRows`).
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
    /// Only this rule (and no journeys).
    public var rule: String?
    /// Only this journey (and no rules).
    public var journey: String?
    /// The business time zone's offset from UTC, for the start of weeks (one offset for the whole
    /// period: across a daylight-saving change a decision within an hour of Monday midnight may
    /// fall in the neighbouring week).
    public var utcOffsetSeconds: Int

    public init(
        since: Int64?, now: Int64, windowDays: Int, rule: String? = nil, journey: String? = nil, utcOffsetSeconds: Int = 0
    ) {
        self.since = since
        self.now = now
        self.windowDays = windowDays
        self.rule = rule
        self.journey = journey
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    static let week: Int64 = 7 * 86_400
    /// 1970-01-01 was a Thursday: shifting by 3 days starts weeks on Mondays.
    static let mondayShift: Int64 = 3 * 86_400

    /// What the report reads from the store for this query (`ReportRows`).
    public var request: ReportRows.Request {
        ReportRows.Request(
            since: since, now: now, windowSeconds: Int64(windowDays) * 86_400, rule: rule, journey: journey,
            weekShift: Int64(utcOffsetSeconds) + Self.mondayShift)
    }

    /// The store's rows grouped into one report per rule, by rule name.
    public func rules(from rows: ReportRows) -> [RuleReport] {
        if journey != nil { return [] }
        let weekRows = rows.weeks
        var reports: [RuleReport] = []
        var index = 0
        while index < weekRows.count {
            let name = weekRows[index].rule
            var weeks: [WeekTally] = []
            var pending = 0
            while index < weekRows.count, weekRows[index].rule == name {
                let row = weekRows[index]
                index += 1
                guard row.complete else {
                    pending += row.customers
                    continue
                }
                let start = row.week * Self.week - Self.mondayShift - Int64(utcOffsetSeconds)
                if weeks.last?.start != start { weeks.append(WeekTally(start: start)) }
                let tally = GroupTally(
                    customers: row.customers, delivered: row.delivered, converted: row.converted,
                    orders: row.orders, revenueMinor: row.revenue, revenueSquares: row.squares)
                if row.holdout {
                    weeks[weeks.count - 1].holdout = tally
                } else {
                    weeks[weeks.count - 1].recipients = tally
                }
            }
            reports.append(RuleReport(rule: name, weeks: weeks, pending: pending))
        }
        for row in rows.coupons {
            guard let index = reports.firstIndex(where: { $0.rule == row.rule }) else { continue }
            reports[index].coupons = CouponTally(assigned: row.assigned, delivered: row.delivered, redeemed: row.redeemed)
        }
        addVariants(to: &reports, from: rows)
        return reports
    }

    /// Each rule's variants (the send rows that carry one) and its recorded winner.
    func addVariants(to reports: inout [RuleReport], from rows: ReportRows) {
        let winners = Dictionary(rows.winners.map { ($0.rule, $0) }, uniquingKeysWith: { a, _ in a })
        for index in reports.indices {
            let name = reports[index].rule
            var variants: [VariantReport] = []
            for row in rows.variants where row.rule == name {
                if variants.last?.variant != row.variant { variants.append(VariantReport(variant: row.variant)) }
                if row.complete {
                    variants[variants.count - 1].recipients = GroupTally(
                        customers: row.customers, delivered: row.delivered, converted: row.converted,
                        orders: row.orders, revenueMinor: row.revenue, revenueSquares: row.squares)
                } else {
                    variants[variants.count - 1].pending += row.customers
                }
            }
            reports[index].variants = variants
            reports[index].winner = winners[name].map {
                VariantWinnerRecord(variant: $0.variant, decidedAt: $0.decidedAt, figures: $0.figures)
            }
        }
    }

    /// Per journey, by name: entrants in the period against the entry holdout
    /// (`ReportRows.journeyOutcomes`), and each step's rows (`ReportRows.journeySteps`).
    public func journeys(from rows: ReportRows) -> [JourneyReport] {
        if rule != nil { return [] }
        let outcomes = rows.journeyOutcomes
        let counts = rows.journeySteps
        let names = Set(outcomes.map(\.journey)).union(counts.map(\.journey)).sorted()
        return names.map { name in
            var entrants = GroupTally(), holdout = GroupTally()
            var entrantsGoal = 0, holdoutGoal = 0, pending = 0
            for row in outcomes where row.journey == name {
                guard row.complete else {
                    pending += row.entrants
                    continue
                }
                let tally = GroupTally(
                    customers: row.entrants, converted: row.converted,
                    orders: row.orders, revenueMinor: row.revenue, revenueSquares: row.squares)
                if row.holdout {
                    holdout = holdout + tally
                    holdoutGoal += row.goal
                } else {
                    entrants = entrants + tally
                    entrantsGoal += row.goal
                }
            }
            var steps: [StepTally] = []
            for row in counts where row.journey == name {
                if steps.last?.step != row.step { steps.append(StepTally(step: row.step)) }
                switch row.status {
                case "queued": steps[steps.count - 1].queued += row.count
                case "sent": steps[steps.count - 1].sent += row.count
                case "failed": steps[steps.count - 1].failed += row.count
                case "holdout": steps[steps.count - 1].holdout += row.count
                default: steps[steps.count - 1].skipped.append((row.reason, row.count))
                }
            }
            for index in steps.indices {
                steps[index].skipped.sort { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
            }
            return JourneyReport(
                journey: name, entrants: entrants, holdout: holdout, entrantsGoal: entrantsGoal, holdoutGoal: holdoutGoal,
                pending: pending, steps: steps)
        }
    }
}
