import Foundation
import GRDB
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
    private let compiler: ConditionCompiler

    public init(ruleSet: RuleSet, settings: EvaluationSettings) {
        self.ruleSet = ruleSet
        self.settings = settings
        self.compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings)
    }

    /// Rules in the order they claim the contact-pressure cap.
    public var rulesInPriorityOrder: [Rule] {
        ruleSet.rules.enumerated()
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
    /// With `customer`, only that customer (an internal id) is evaluated: what `explain` shows.
    public func evaluate(
        only: Set<String>? = nil, customer: Int64? = nil, in db: Database,
        onDecision: (Rule, Decision) throws -> Void = { _, _ in }
    ) throws -> [RuleTally] {
        SQLFunctions.register(in: db)
        let ordered = rulesInPriorityOrder
        var plannedMessages: [Int64: Int] = [:]
        var tallies: [RuleTally] = []
        let lastNeeded = only.map { names in ordered.lastIndex { names.contains($0.name) } ?? -1 } ?? ordered.count - 1
        for (index, rule) in ordered.enumerated() where index <= lastNeeded {
            let reported = only?.contains(rule.name) ?? true
            if !reported && !(settings.capEnabled && EvaluationSettings.countsTowardCap(rule.channel)) { continue }
            var tally = RuleTally(rule: rule.name, active: isActive(rule))
            if tally.active {
                try evaluate(rule, customer: customer, in: db, plannedMessages: &plannedMessages) { decision in
                    guard reported else { return }
                    tally.count(decision, sampleSize: settings.sampleSize)
                    try onDecision(rule, decision)
                }
            }
            if reported { tallies.append(tally) }
        }
        let position = Dictionary(uniqueKeysWithValues: ruleSet.rules.enumerated().map { ($1.name, $0) })
        return tallies.sorted { position[$0.rule]! < position[$1.rule]! }
    }

    /// Whether `now` lies within the rule's `active from … until …` days (business time zone).
    public func isActive(_ rule: Rule) -> Bool {
        guard let window = rule.activeWindow else { return true }
        let today = DayNumber.local(settings.now, in: settings.businessTimeZone)
        if let from = window.from, today < DayNumber.from(from) { return false }
        if let until = window.until, today > DayNumber.from(until) { return false }
        return true
    }

    private func evaluate(
        _ rule: Rule, customer: Int64?, in db: Database, plannedMessages: inout [Int64: Int],
        onDecision: (Decision) throws -> Void
    ) throws {
        var query = audienceQuery(for: rule)
        if let customer {
            query = SQLFragment.composed("{} AND f.customer_id = {}", query, .value(customer.databaseValue))
        }
        let countsTowardCap = settings.capEnabled && EvaluationSettings.countsTowardCap(rule.channel)
        let quietHours = settings.quietHours(for: rule)
        let rows = try Row.fetchCursor(db, sql: query.sql, arguments: query.statementArguments)
        while let row = try rows.next() {
            let customerID: Int64 = row[0]
            let externalID: String = row[1]
            let verdict: Verdict
            if row[4] as Bool {
                verdict = .skip(.limit)
            } else if !(row[5] as Bool) {
                verdict = .skip(.noConsent)
            } else if row[6] as Bool {
                verdict = .skip(.suppressed)
            } else if !(row[7] as Bool) {
                verdict = .skip(.missingAddress)
            } else if countsTowardCap
                && (row[8] as Int) + plannedMessages[customerID, default: 0] >= settings.contactPressureMessages
            {
                verdict = .skip(.capped)
            } else if HoldoutHash.isHeldOut(rule: rule.name, customer: externalID, percent: rule.holdoutPercent) {
                verdict = .holdout
            } else {
                if countsTowardCap { plannedMessages[customerID, default: 0] += 1 }
                let zone = TimeZoneCache.shared.zone(row[2] as String?, fallback: settings.businessTimeZone)
                verdict = quietHours.flatMap { Self.quietHoursEnd($0, now: settings.now, zone: zone) }
                    .map { .hold(until: $0) } ?? .send
            }
            try onDecision(Decision(customerID: customerID, externalID: externalID, verdict: verdict))
        }
    }

    /// The SQL that lists a rule's audience with what the verdict needs, per matched customer:
    /// id, external id, time zone, a limit hit, consent, suppression, address, recent messages.
    func audienceQuery(for rule: Rule) -> SQLFragment {
        let facts = compiler.facts
        let t = settings.now.databaseValue
        let limit: SQLFragment
        let counted = "s.status IN ('queued', 'in_flight', 'sent', 'failed', 'holdout')"
        switch rule.limit {
        case .unlimited:
            limit = SQLFragment("0")
        case .once:
            limit = SQLFragment(
                "EXISTS (SELECT 1 FROM send s WHERE s.rule = ? AND s.customer_id = f.customer_id AND s.decided_at <= ? AND \(counted))",
                [rule.name.databaseValue, t])
        case .oncePer(let days):
            limit = SQLFragment(
                "EXISTS (SELECT 1 FROM send s WHERE s.rule = ? AND s.customer_id = f.customer_id AND s.decided_at > ? "
                    + "AND s.decided_at <= ? AND \(counted))",
                [rule.name.databaseValue, (settings.now - Int64(days) * 86_400).databaseValue, t])
        }
        let recent: SQLFragment
        if settings.capEnabled && EvaluationSettings.countsTowardCap(rule.channel) {
            recent = SQLFragment(
                "(SELECT count(*) FROM send s WHERE s.customer_id = f.customer_id AND s.channel IN ('email', 'letter') "
                    + "AND s.status IN ('queued', 'in_flight', 'sent') AND s.decided_at > ? AND s.decided_at <= ?)",
                [(settings.now - Int64(settings.contactPressureDays) * 86_400).databaseValue, t])
        } else {
            recent = SQLFragment("0")
        }
        return SQLFragment.composed(
            """
            SELECT c.id, c.external_id, c.time_zone, NULL, {}, {}, {}, {}, {}
            FROM customer_facts f CROSS JOIN customer c ON c.id = f.customer_id
            WHERE {}
            """,
            limit, facts.consentGranted(rule.channel), facts.suppressed(rule.channel),
            FactSQL.addressComplete(rule.channel), recent, compiler.compile(rule.condition))
    }

    /// When quiet hours hold a send at `now` in `zone`, the instant they end; else nil.
    static func quietHoursEnd(_ quiet: QuietHours, now: Int64, zone: TimeZone) -> Int64? {
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
