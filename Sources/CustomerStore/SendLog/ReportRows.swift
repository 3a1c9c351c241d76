import GRDB

/// Everything `report` reads from a store, read in one snapshot: per rule the exposures by week
/// and by variant, the pool codes its sends took, the recorded A/B winners; per journey its
/// entrants' outcomes and its steps' rows.
///
/// Each part's SQL is written once for both stores (`statements(_:dialect:)`: `?` placeholders,
/// what the databases spell differently through the `SQLDialect`); each store runs the statements
/// in one read transaction and hands the rows, by column name, to `add`.
public struct ReportRows: Sendable, Equatable {
    /// Per rule, week, group and window state; by rule (in byte order), then week.
    public var weeks: [ExposureWeek] = []
    /// Per rule, variant and window state; by rule, then variant.
    public var variants: [VariantExposure] = []
    /// Per rule, its sends' pool codes; by rule.
    public var coupons: [CouponRedemptionRow] = []
    /// The recorded A/B winners.
    public var winners: [VariantWinner] = []
    /// Per journey, group and window state; by journey.
    public var journeyOutcomes: [JourneyOutcome] = []
    /// Per journey step, status and skip reason; by journey, then the order the steps ran in.
    public var journeySteps: [JourneyStepCount] = []

    public init() {}

    /// What the report asks: decisions and entries in a period, each with a conversion window.
    public struct Request: Sendable {
        /// First instant of the period (nil: from the first decision on).
        public var since: Int64?
        /// The period ends here; only windows ended by now are complete.
        public var now: Int64
        public var windowSeconds: Int64
        /// Only this rule, and no journeys.
        public var rule: String?
        /// Only this journey, and no rules.
        public var journey: String?
        /// Added to `decided_at` before dividing by a week: the weeks' start offset from the epoch's.
        public var weekShift: Int64

        public init(since: Int64?, now: Int64, windowSeconds: Int64, rule: String? = nil, journey: String? = nil, weekShift: Int64 = 0) {
            self.since = since
            self.now = now
            self.windowSeconds = windowSeconds
            self.rule = rule
            self.journey = journey
            self.weekShift = weekShift
        }

        /// The period's first instant as a bound for `BETWEEN`.
        var from: Int64 { since ?? Int64.min }
    }

    /// One query of the report and where its rows go.
    public struct Statement: Sendable {
        public var sql: String
        public var arguments: [SQLValue]
        /// Decodes the query's rows (columns by name) into their part of the report's rows.
        public let add: @Sendable (_ rows: [SQLRow], _ into: inout ReportRows) throws -> Void
    }

    /// The report's queries for `request`, spelt for `dialect`: the rules' parts unless a journey
    /// is asked for, the journeys' unless a rule is.
    public static func statements(_ request: Request, dialect: SQLDialect) -> [Statement] {
        var statements: [Statement] = []
        if request.journey == nil {
            statements.append(ExposureWeek.statement(request, dialect: dialect))
            statements.append(VariantExposure.statement(request, dialect: dialect))
            statements.append(CouponRedemptionRow.statement(request, dialect: dialect))
            statements.append(Statement(sql: VariantWinner.allSQL, arguments: []) { rows, into in
                into.winners = try rows.map(VariantWinner.init(row:))
            })
        }
        if request.rule == nil {
            statements.append(JourneyOutcome.statement(request, dialect: dialect))
            statements.append(JourneyStepCount.statement(request, dialect: dialect))
        }
        return statements
    }
}

extension CustomerStore {
    /// What `report` reads (`ReportRows`), in one read transaction.
    public func reportRows(_ request: ReportRows.Request) throws -> ReportRows {
        let statements = ReportRows.statements(request, dialect: dialect)
        return try database.read { db in
            var result = ReportRows()
            for statement in statements {
                let rows = try Row.fetchAll(db, sql: statement.sql, arguments: StatementArguments(each: statement.arguments))
                try statement.add(rows.map(SQLRow.init), &result)
            }
            return result
        }
    }
}
