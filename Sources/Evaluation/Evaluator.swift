import Foundation
import GRDB
import GRDBSQLite
import CustomerStore
import RuleLanguage

/// Evaluates rules at one instant: who matches, and for each matched customer the verdict
/// (send, hold for quiet hours, holdout, or a skip with its reason).
///
/// Each rule is one parameterised SQL query whose rows stream through `onDecision`; nothing
/// holds the audience in memory except the per-customer message count of this evaluation,
/// which the contact-pressure cap needs. Rules run in priority order (higher first, then
/// source order), so a higher-priority rule takes the cap before a lower one.
public struct Evaluator: Sendable {
    public let ruleSet: RuleSet
    public let settings: EvaluationSettings
    /// How the store spells what SQL dialects disagree on.
    public let dialect: SQLDialect
    private let compiler: ConditionCompiler
    /// The same, for evaluations where no history is later than `now` (see `factsAreCurrent`).
    private let currentCompiler: ConditionCompiler

    public init(ruleSet: RuleSet, settings: EvaluationSettings, dialect: SQLDialect = .sqlite) {
        self.ruleSet = ruleSet
        self.settings = settings
        self.dialect = dialect
        self.compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, dialect: dialect)
        self.currentCompiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, factsAreCurrent: true, dialect: dialect)
    }

    /// Rules in the order they claim the contact-pressure cap.
    public var rulesInPriorityOrder: [Rule] { Self.priorityOrder(ruleSet.rules) }

    /// `rules` in the order they claim the contact-pressure cap: higher priority, then source order.
    static func priorityOrder(_ rules: [Rule]) -> [Rule] {
        rules.enumerated()
            .sorted { ($1.element.priority, $0.offset) < ($0.element.priority, $1.offset) }
            .map(\.element)
    }

    /// Evaluates the named rules (all when `only` is nil) in `db`, which should be one read or
    /// write transaction so that every rule sees the same store.
    ///
    /// Rules that precede a named rule in priority order are evaluated too (their decisions are
    /// not reported) when they compete for the same contact-pressure cap, so a single rule's
    /// numbers equal those of a full evaluation.
    ///
    /// With `customers`, only customers whose internal ids lie in the range are evaluated: one
    /// for `explain`, a slice for a parallel evaluation (`ParallelEvaluator`).
    public func evaluate(
        only: Set<String>? = nil, customers: ClosedRange<Int64>? = nil, in db: Database,
        onDecision: ((Rule, Decision) throws -> Void)? = nil
    ) throws -> [RuleTally] {
        SQLFunctions.register(in: db)
        var messages = try MessageCounter(settings: settings, customers: customers, in: db)
        let order = evaluationOrder(only: only)
        // The check reads every facts row, about what one rule costs: worth it for several rules.
        let current = order.count >= 3 ? try factsAreCurrent(customers: customers, in: db) : false
        var tallies: [RuleTally] = []
        let clock = ContinuousClock()
        for (rule, reported) in order {
            var tally = RuleTally(rule: rule.name, active: isActive(rule), variants: rule.variants.count)
            let started = clock.now
            if tally.active {
                try evaluate(
                    rule, customers: customers, current: current, in: db, messages: &messages, tally: &tally,
                    onDecision: reported ? onDecision.map { report in { try report(rule, $0) } } : nil)
            }
            tally.duration = clock.now - started
            if reported { tallies.append(tally) }
        }
        return inSourceOrder(tallies)
    }

    /// The rules an evaluation of `only` (all when nil) runs, in priority order, each with
    /// whether it is reported: rules before the last named one that compete for the cap run too.
    func evaluationOrder(only: Set<String>?) -> [(rule: Rule, reported: Bool)] {
        let ordered = rulesInPriorityOrder
        let lastNeeded = only.map { names in ordered.lastIndex { names.contains($0.name) } ?? -1 } ?? ordered.count - 1
        return ordered.prefix(lastNeeded + 1).compactMap { rule in
            let reported = only?.contains(rule.name) ?? true
            if !reported && !(settings.capEnabled && EvaluationSettings.countsTowardCap(rule.channel, rule.purpose)) { return nil }
            return (rule, reported)
        }
    }

    /// `tallies` in the rules' source order.
    func inSourceOrder(_ tallies: [RuleTally]) -> [RuleTally] {
        let position = Dictionary(uniqueKeysWithValues: ruleSet.rules.enumerated().map { ($1.name, $0) })
        return tallies.sorted { position[$0.rule]! < position[$1.rule]! }
    }

    /// Whether `now` lies within the rule's `active from … until …` days (business time zone).
    public func isActive(_ rule: Rule) -> Bool {
        guard let window = rule.activeWindow else { return true }
        let today = DayNumber.local(settings.now, in: settings.businessTimeZone)
        if let from = window.from, today < from.dayNumber { return false }
        if let until = window.until, today > until.dayNumber { return false }
        return true
    }

    /// Runs one rule's audience query and decides each row, stepping the statement through the
    /// C API: large audiences are the hot loop of a tick.
    private func evaluate(
        _ rule: Rule, customers: ClosedRange<Int64>?, current: Bool, in db: Database, messages: inout MessageCounter,
        tally: inout RuleTally, onDecision: ((Decision) throws -> Void)?
    ) throws {
        let query = audienceQuery(for: rule, factsAreCurrent: current, customers: customers)
        let statement = try db.makeStatement(sql: query.sql)
        try statement.setArguments(query.statementArguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        let decider = RuleDecider(rule: rule, settings: settings)
        var skipped = [Int](repeating: 0, count: SkipReason.allCases.count)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: query.sql)
            }
            let customerID = sqlite3_column_int64(handle, 0)
            let externalID = UnsafeRawBufferPointer(
                start: sqlite3_column_text(handle, 1), count: Int(sqlite3_column_bytes(handle, 1)))
            let (verdict, variant) = decider.decide(
                customerID: customerID, externalID: externalID, limitHit: sqlite3_column_int64(handle, 3) != 0,
                consented: sqlite3_column_int64(handle, 4) != 0, suppressed: sqlite3_column_int64(handle, 5) != 0,
                hasAddress: sqlite3_column_int64(handle, 6) != 0,
                timeZone: { sqlite3_column_text(handle, 2).map { String(cString: $0) } },
                messages: &messages, tally: &tally)
            decider.count(verdict, customerID: customerID, externalID: externalID, skipped: &skipped, tally: &tally)
            if let onDecision {
                let evidence = settings.includeEvidence ? sqlite3_column_text(handle, 7).map { String(cString: $0) } : nil
                try onDecision(
                    Decision(
                        customerID: customerID, externalID: String(decoding: externalID, as: UTF8.self), verdict: verdict,
                        evidence: evidence, variant: variant.map { rule.variants[$0].target }))
            }
        }
        tally.matched += tally.wouldSend
        tally.add(skipped: skipped)
    }

    /// The SQL that lists a rule's audience with what the verdict needs, per matched customer:
    /// id, external id, time zone, a limit hit, consent (for a service message: no withdrawal),
    /// suppression and address.
    ///
    /// The send log and the suppression list are read once per query (non-correlated `IN`), so a
    /// large audience costs no extra index searches per customer.
    /// `audienceQuery(for:factsAreCurrent:)` for the customers whose internal ids lie in `customers`.
    func audienceQuery(for rule: Rule, factsAreCurrent: Bool, customers: ClosedRange<Int64>?) -> SQLFragment {
        let query = audienceQuery(for: rule, factsAreCurrent: factsAreCurrent)
        guard let customers else { return query }
        return SQLFragment.composed(
            "{} AND f.customer_id BETWEEN {} AND {}", query,
            .value(customers.lowerBound.databaseValue), .value(customers.upperBound.databaseValue))
    }

    func audienceQuery(for rule: Rule, factsAreCurrent: Bool = false) -> SQLFragment {
        let compiler = factsAreCurrent ? currentCompiler : self.compiler
        let facts = compiler.facts
        let t = settings.now.databaseValue
        let limit: SQLFragment
        let counted = "s.status IN \(SendStatus.sqlList(SendStatus.handled))"
        switch rule.limit {
        case .unlimited:
            limit = SQLFragment(dialect.falseLiteral)
        case .once:
            limit = SQLFragment(
                "f.customer_id IN (SELECT s.customer_id FROM send s WHERE s.rule = ? AND s.decided_at <= ? AND \(counted))",
                [rule.name.databaseValue, t])
        case .oncePer(let days):
            limit = SQLFragment(
                "f.customer_id IN (SELECT s.customer_id FROM send s WHERE s.rule = ? AND s.decided_at > ? "
                    + "AND s.decided_at <= ? AND \(counted))",
                [rule.name.databaseValue, (settings.now - Int64(days) * 86_400).databaseValue, t])
        }
        var condition = compiler.compileWhere(rule.condition)
        let testsCustomerRow = readsCustomerRow(rule.condition)
        if testsCustomerRow, dialect.testsRunInWrittenOrder {
            condition = condition.dependingOnCustomerRow
        }
        let topLevel: [Condition] = if case .all(let parts) = rule.condition.kind { parts } else { [rule.condition] }
        // When the condition itself requires consent on the rule's channel, every row has it.
        let requiresConsent = topLevel.contains { if case .fact(.consent(rule.channel)) = $0.kind { true } else { false } }
        // A birthday rule starts from the birthday index instead of scanning every customer.
        let byBirthday = topLevel.contains { if case .fact(.birthday) = $0.kind { true } else { false } }
        // The customer's zone is read only for quiet hours (`RuleDecider`): no column to carry without.
        let timeZone = settings.quietHours(for: rule) == nil ? "NULL" : "c.time_zone"
        return SQLFragment.composed(
            """
            SELECT c.id, c.external_id, \(timeZone), {}, {}, {}, {}{}
            FROM \(byBirthday ? "customer c \(dialect.orderedJoin("customer_facts", "f", "f.customer_id = c.id"))"
                : "customer_facts f \(dialect.customerJoin(testsCustomerRow: testsCustomerRow))")
            WHERE {}
            """,
            limit,
            requiresConsent ? SQLFragment(dialect.trueLiteral)
                : rule.purpose == .service ? facts.consentNotWithdrawn(rule.channel) : facts.consentGranted(rule.channel),
            requiresConsent ? SQLFragment(dialect.falseLiteral) : facts.suppressed(rule.channel),
            facts.addressComplete(rule.channel),
            settings.includeEvidence ? SQLFragment.composed(", {}", evidence(for: rule)) : SQLFragment(""), condition)
    }

    /// Whether no purchase, feedback or consent of the evaluated customers is later than `now`, so
    /// the per-customer facts are exact at `now`: one pass over `customer_facts` (its rowid range
    /// for a slice), in the evaluation's own snapshot. Usually true: `now` is the present.
    func factsAreCurrent(customers: ClosedRange<Int64>?, in db: Database) throws -> Bool {
        let latest = try Int64.fetchOne(db, sql: latestHistorySQL(customers: customers)) ?? 0
        return latest <= settings.now
    }

    /// The time of the latest purchase, feedback or consent change of the customers in range.
    func latestHistorySQL(customers: ClosedRange<Int64>?) -> String {
        let range = customers.map { "WHERE customer_id BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
        let latest = ["last_purchase_at", "last_feedback_at", "email_consent_at", "letter_consent_at", "webhook_consent_at"]
            .map { dialect.ifNull("max(\($0))", "0") }
        return "SELECT \(dialect.greatest(latest))\nFROM customer_facts \(range)"
    }

    /// Whether a condition compares columns of the customer record (not only facts).
    static func testsCustomerColumns(_ condition: Condition) -> Bool {
        func isCustomerColumn(_ fact: Fact) -> Bool {
            switch fact {
            case .customerField, .attribute, .joined, .daysSinceJoined, .birthday: true
            default: false
            }
        }
        func operandTests(_ operand: Operand) -> Bool {
            if case .fact(let fact) = operand.kind { isCustomerColumn(fact) } else { false }
        }
        switch condition.kind {
        case .all(let parts), .any(let parts): return parts.contains(where: testsCustomerColumns)
        case .not(let inner): return testsCustomerColumns(inner)
        case .fact(let fact): return isCustomerColumn(fact)
        case .segment: return false
        case .comparison(let left, _, let right, _): return operandTests(left) || operandTests(right)
        case .membership(let operand, _, _): return operandTests(operand)
        }
    }

    /// A JSON object (`json_object(…)`) of the values the rule's condition reads: each fact it
    /// compares, by the text it is written as (money in major units, dates as days). Labels are
    /// bound values.
    func evidence(for rule: Rule) -> SQLFragment {
        var pairs: [(label: SQLFragment, value: SQLFragment)] = []
        var seen: Set<String> = []
        let exponent = MoneyFormat.exponent(of: settings.currency)
        func add(_ label: String, _ value: SQLFragment, _ type: ValueType) {
            guard pairs.count < 16, seen.insert(label).inserted else { return }
            let shown: SQLFragment = switch type {
            case .money: SQLFragment.composed(dialect.majorUnitsText("{}", exponent), value)
            case .date: SQLFragment.composed(dialect.dateText("{}"), value)
            case .boolean: SQLFragment.composed(dialect.jsonBoolean("{}"), value)
            default: value
            }
            pairs.append((.value(label.databaseValue), shown))
        }
        func visit(_ condition: Condition, _ file: SourceFile) {
            switch condition.kind {
            case .all(let parts), .any(let parts): parts.forEach { visit($0, file) }
            case .not(let inner): visit(inner, file)
            case .segment(let name):
                if let segment = ruleSet.segment(named: name) { visit(segment.condition, segment.file) }
            case .fact(let fact):
                add(Explainer.source(file, condition.range), compiler.value(of: fact), .boolean)
            case .comparison(let left, _, let right, let type):
                for operand in [left, right] {
                    if case .fact = operand.kind {
                        add(Explainer.source(file, operand.range), compiler.value(operand, as: type), type)
                    }
                }
            case .membership(let operand, _, let type):
                add(Explainer.source(file, operand.range), compiler.value(operand, as: type), type)
            }
        }
        visit(rule.condition, rule.file)
        let template = dialect.jsonObject(pairs.map { _ in (key: "{}", value: "{}") })
        return SQLFragment.composed(template, pairs.flatMap { [$0.label, $0.value] })
    }

    /// The audience query of `rule` as text, with its arguments, for `plan --show-sql`.
    public func audienceSQL(for rule: Rule) -> (sql: String, arguments: [String]) {
        let query = audienceQuery(for: rule)
        return (query.sql, query.arguments.map { $0.description })
    }

    /// When quiet hours hold a send at `now` in `zone`, the instant they end; else nil.
    public static func quietHoursEnd(_ quiet: QuietHours, now: Int64, zone: TimeZone) -> Int64? {
        let second = DayNumber.secondOfDay(now, in: zone)
        let minute = second / 60
        let start = quiet.start.minutesSinceMidnight
        let end = quiet.end.minutesSinceMidnight
        let inside = start <= end ? (start <= minute && minute < end) : (minute >= start || minute < end)
        guard inside else { return nil }
        let wait = ((end * 60 - second) % 86_400 + 86_400) % 86_400
        return now + Int64(wait)
    }
}

extension EvaluationSettings {
    var capEnabled: Bool { contactPressureMessages > 0 && contactPressureDays > 0 }
}
