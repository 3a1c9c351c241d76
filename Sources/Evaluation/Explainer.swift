import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// Why one customer would or would not get each rule at one instant: every condition with the
/// customer's actual values, and the verdict with its reason.
///
/// Truth values come from the same compiled SQL that `plan` and ticks use, so an explanation
/// cannot disagree with them.
public struct Explainer: Sendable {
    public let evaluator: Evaluator
    let compiler: ConditionCompiler

    public init(ruleSet: RuleSet, settings: EvaluationSettings, dialect: SQLDialect = .sqlite) {
        evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: dialect)
        compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, dialect: dialect)
    }

    /// Explains the rules named in `only` (all when nil) for the customer with `externalID`, in
    /// one snapshot of `store`, or returns nil when there is no such customer.
    public func explain(externalID: String, only: Set<String>? = nil, in store: CustomerStore) throws -> Explanation? {
        try store.inSnapshot { try explain(externalID: externalID, only: only, in: $0) }
    }

    /// `explain(externalID:only:in:)` inside a read transaction the caller holds.
    public func explain(externalID: String, only: Set<String>? = nil, in db: Database) throws -> Explanation? {
        SQLFunctions.register(in: db)
        guard let customer = try Row.fetchOne(
            db, sql: "SELECT id, external_id, name, time_zone FROM customer WHERE external_id = ?", arguments: [externalID])
        else { return nil }
        let customerID: Int64 = customer["id"]
        var verdicts: [String: Verdict] = [:]
        _ = try evaluator.evaluate(only: only, customers: customerID...customerID, in: db) { rule, decision in
            verdicts[rule.name] = decision.verdict
        }
        let rules = try evaluator.ruleSet.rules.filter { only?.contains($0.name) ?? true }.map { rule in
            try explain(rule, customerID: customerID, verdict: verdicts[rule.name], in: db)
                .with(variant: variant(of: rule, for: externalID))
        }
        return Explanation(
            customer: externalID, name: customer["name"], timeZone: customer["time_zone"], at: evaluator.settings.now,
            rules: rules)
    }

    private func explain(_ rule: Rule, customerID: Int64, verdict: Verdict?, in db: Database) throws -> RuleExplanation {
        let (query, nodes, matchedColumn) = probeQuery(for: rule, customerID: customerID)
        let row = try Row.fetchOne(db, sql: query.sql, arguments: query.statementArguments).map(\.sqlValues)
        var lastHandled: Int64?
        if case .skip(.limit) = verdict {
            let (sql, arguments) = lastHandledQuery(rule, customerID: customerID)
            lastHandled = try Int64.fetchOne(db, sql: sql, arguments: StatementArguments(each: arguments))
        }
        return explanation(of: rule, probed: row, nodes: nodes, matchedColumn: matchedColumn, verdict: verdict, lastHandled: lastHandled)
    }

    /// A rule's explanation from its probe query's row (nil: the customer has no facts row).
    func explanation(
        of rule: Rule, probed row: [SQLValue]?, nodes: [ProbeNode], matchedColumn: Int, verdict: Verdict?, lastHandled: Int64?
    ) -> RuleExplanation {
        guard let row else {
            return RuleExplanation(rule: rule, active: evaluator.isActive(rule), matched: false, lines: [], verdict: nil, reason: "no facts row")
        }
        let lines = nodes.map { node in
            ExplanationLine(
                depth: node.depth, holds: Self.holds(row[node.column]), text: node.text,
                values: node.values.map { render($0, row[$0.column]) }.joined(separator: ", "))
        }
        let active = evaluator.isActive(rule)
        let matched = Self.holds(row[matchedColumn])
        return RuleExplanation(
            rule: rule, active: active, matched: matched, lines: lines, verdict: verdict,
            reason: reason(rule, active: active, matched: matched, verdict: verdict, lastHandled: lastHandled))
    }

    /// A condition's value in a probe row: SQLite's 0 or 1 (PostgreSQL's booleans read alike).
    static func holds(_ value: SQLValue) -> Bool {
        (value.int64 ?? 0) != 0
    }

    /// When the customer was last handled by `rule` (a limit skip's reason).
    func lastHandledQuery(_ rule: Rule, customerID: Int64) -> (sql: String, arguments: [SQLValue]) {
        (
            "SELECT max(decided_at) FROM send WHERE rule = ? AND customer_id = ? AND decided_at <= ? "
                + "AND status IN \(SendStatus.sqlList(SendStatus.handled))",
            [rule.name.sqlValue, customerID.sqlValue, evaluator.settings.now.sqlValue]
        )
    }

    /// The variant the customer gets from a rule with variants, and whether it is the recorded winner.
    func variant(of rule: Rule, for externalID: String) -> (name: String, isWinner: Bool)? {
        let winner = evaluator.settings.winners[rule.name]
        guard let name = VariantHash.variant(of: rule.variants, rule: rule.name, customer: externalID, winner: winner) else {
            return nil
        }
        return (name, name == winner)
    }

    /// One query for one customer: a column for each condition node and each value shown, and one
    /// for the whole condition.
    func probeQuery(for rule: Rule, customerID: Int64) -> (query: SQLFragment, nodes: [ProbeNode], matchedColumn: Int) {
        var probes = ProbeList()
        let top: [Condition]
        if case .all(let parts) = rule.condition.kind { top = parts } else { top = [rule.condition] }
        var nodes: [ProbeNode] = []
        for part in top { nodes += probeNodes(part, file: rule.file, depth: 0, into: &probes) }
        let matchedColumn = probes.add(compiler.compile(rule.condition))
        let query = SQLFragment(
            "SELECT \(probes.select) FROM customer_facts f \(compiler.dialect.orderedJoin("customer", "c", "c.id = f.customer_id")) "
                + "WHERE f.customer_id = ?",
            probes.arguments + [customerID.databaseValue])
        return (query, nodes, matchedColumn)
    }

    /// One line per condition node; `and`/`or` groups and segments get a line and indented parts.
    func probeNodes(_ condition: Condition, file: SourceFile, depth: Int, into probes: inout ProbeList) -> [ProbeNode] {
        let text = Self.source(file, condition.range)
        let column = probes.add(compiler.compile(condition))
        switch condition.kind {
        case .all(let parts), .any(let parts):
            return [ProbeNode(depth: depth, column: column, text: text, values: [])]
                + parts.flatMap { probeNodes($0, file: file, depth: depth + 1, into: &probes) }
        case .segment(let name):
            guard let segment = evaluator.ruleSet.segment(named: name) else { return [] }
            let parts: [Condition]
            if case .all(let all) = segment.condition.kind { parts = all } else { parts = [segment.condition] }
            return [ProbeNode(depth: depth, column: column, text: "\(text) (segment)", values: [])]
                + parts.flatMap { probeNodes($0, file: segment.file, depth: depth + 1, into: &probes) }
        case .not(let inner):
            if case .fact(let fact) = inner.kind {
                return [ProbeNode(depth: depth, column: column, text: text, values: supporting(fact, into: &probes))]
            }
            return [ProbeNode(depth: depth, column: column, text: text, values: [])]
                + probeNodes(inner, file: file, depth: depth + 1, into: &probes)
        case .fact(let fact):
            return [ProbeNode(depth: depth, column: column, text: text, values: supporting(fact, into: &probes))]
        case .comparison(let left, _, let right, let type):
            return [ProbeNode(depth: depth, column: column, text: text, values: [left, right].compactMap { operand in
                guard case .fact = operand.kind else { return nil }
                return ProbeValue(label: Self.source(file, operand.range), column: probes.add(compiler.value(operand, as: type)), type: type)
            })]
        case .membership(let operand, _, let type):
            return [ProbeNode(depth: depth, column: column, text: text, values: [
                ProbeValue(label: Self.source(file, operand.range), column: probes.add(compiler.value(operand, as: type)), type: type),
            ])]
        }
    }

    /// The values behind a yes/no fact: the last purchase for `purchase in last N days`, the
    /// consent state for `consent email`, …
    private func supporting(_ fact: Fact, into probes: inout ProbeList) -> [ProbeValue] {
        let settings = evaluator.settings
        let zone = settings.businessTimeZone.identifier.databaseValue
        let dialect = compiler.dialect
        func value(_ label: String, _ fragment: SQLFragment, _ type: ValueType) -> ProbeValue {
            ProbeValue(label: label, column: probes.add(fragment), type: type)
        }
        switch fact {
        case .purchase:
            return [value("last purchase", compiler.facts.value(.lastPurchase), .date)]
        case .feedback(let kind, _):
            let column = kind.map { "f.\($0.rawValue)_at" } ?? "f.last_feedback_at"
            return [value(
                "last \(kind.map { "\($0.rawValue) " } ?? "")feedback",
                SQLFragment(
                    dialect.localDay("CASE WHEN \(column) <= ? THEN \(column) END", "?"), [settings.now.databaseValue, zone]),
                .date)]
        case .event(let name, _):
            return [value(
                "last \(name.debugDescription) event",
                SQLFragment(
                    dialect.localDay(
                        "(SELECT max(ev.at) FROM event ev WHERE ev.customer_id = f.customer_id AND ev.name = ? AND ev.at <= ?)", "?"),
                    [name.databaseValue, settings.now.databaseValue, zone]), .date)]
        case .birthday:
            return [value("birthday", SQLFragment("c.birthday"), .text)]
        case .transition(let transition, let segment, _):
            return [
                value("in \(segment) at the previous evaluation", compiler.facts.memberBefore(segment), .boolean),
                ProbeValue(
                    label: "\(transition.rawValue) \(segment)",
                    column: probes.add(compiler.facts.lastRecordedTransition(transition, segment)), type: .number,
                    display: .at),
            ]
        case .received(let name, _):
            return [receipt(name, into: &probes)]
        case .purchaseSinceReceived(let name):
            return [receipt(name, into: &probes), value("last purchase", compiler.facts.value(.lastPurchase), .date)]
        case .consent(let channel):
            return [
                value("\(channel.rawValue) consent granted", compiler.facts.consentGranted(channel), .boolean),
                value("suppressed", compiler.facts.suppressed(channel), .boolean),
            ]
        default:
            return []
        }
    }

    /// `received "NAME" 12 days ago`, for the facts that read the send log.
    private func receipt(_ name: String, into probes: inout ProbeList) -> ProbeValue {
        ProbeValue(
            label: "received \(name)", column: probes.add(compiler.facts.value(.daysSinceReceived(name))), type: .number,
            display: .daysAgo)
    }

    /// One supporting value as `explain` prints it.
    private func render(_ probe: ProbeValue, _ value: SQLValue) -> String {
        switch (probe.display, value) {
        case (.equals, _): "\(probe.label) = \(format(value, as: probe.type))"
        case (.at, .integer(let instant)): "\(probe.label) at \(InstantText.utc(instant))"
        case (.daysAgo, .integer(let days)): "\(probe.label) \(days) day\(days == 1 ? "" : "s") ago"
        case (.at, _), (.daysAgo, _): "\(probe.label): never"
        }
    }

    private func reason(_ rule: Rule, active: Bool, matched: Bool, verdict: Verdict?, lastHandled last: Int64?) -> String {
        let settings = evaluator.settings
        guard active else { return "the rule is not active at this instant (active window)" }
        guard matched else { return "the condition does not hold" }
        switch verdict {
        case nil:
            return "not evaluated"
        case .send:
            return "would send now"
        case .hold(let until):
            return "would send at \(InstantText.local(until, in: settings.businessTimeZone)), when the customer's quiet hours end"
        case .holdout:
            return "in the rule's \(rule.holdoutPercent) % holdout group (stable for this customer): recorded, never sent"
        case .skip(.limit):
            let limit = switch rule.limit {
            case .once: "limit once"
            case .oncePer(let days): "limit once per \(days) days"
            case .unlimited: "no limit"
            }
            return "already handled at \(last.map { InstantText.local($0, in: settings.businessTimeZone) } ?? "?") (\(limit))"
        case .skip(.capped):
            return "contact-pressure cap: \(settings.contactPressureMessages) messages per \(settings.contactPressureDays) days already reached"
        case .skip(.noConsent):
            return "no granted \(rule.channel.rawValue) consent at this instant (never given, or withdrawn)"
        case .skip(.consentWithdrawn):
            return "service message, but the customer withdrew \(rule.channel.rawValue) consent"
        case .skip(.suppressed):
            return "the customer's \(rule.channel.rawValue) address is suppressed"
        case .skip(.missingAddress):
            return rule.channel == .letter ? "incomplete postal address" : "no email address"
        case .skip(let other):
            return other.phrase
        }
    }

    func format(_ value: SQLValue, as type: ValueType) -> String {
        switch (value, type) {
        case (.null, _): return "missing"
        case (.integer(let n), .boolean): return n != 0 ? "yes" : "no"
        case (.integer(let n), .money): return MoneyFormat.text(n, currency: evaluator.settings.currency)
        case (.real(let d), .money): return "\(d / pow(10, Double(MoneyFormat.exponent(of: evaluator.settings.currency)))) \(evaluator.settings.currency)"
        case (.integer(let n), .date): return DayNumber.text(Int(n))
        case (.integer(let n), _): return "\(n)"
        case (.real(let d), _): return "\(d)"
        case (.text(let s), _): return s.debugDescription
        case (.blob, _): return "(binary)"
        }
    }

    static func source(_ file: SourceFile, _ range: Range<Int>) -> String {
        let clamped = max(0, range.lowerBound)..<min(file.bytes.count, range.upperBound)
        return String(decoding: file.bytes[clamped], as: UTF8.self)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

/// SQL columns gathered for one explanation query.
struct ProbeList {
    private(set) var columns: [String] = []
    private(set) var arguments: [DatabaseValue] = []

    mutating func add(_ fragment: SQLFragment) -> Int {
        columns.append(fragment.sql)
        arguments += fragment.arguments
        return columns.count - 1
    }

    var select: String { columns.joined(separator: ",\n") }
}

struct ProbeNode {
    let depth: Int
    let column: Int
    let text: String
    let values: [ProbeValue]
}

struct ProbeValue {
    /// How a value is printed: `label = value`, `label at INSTANT`, `label N days ago`.
    enum Display { case equals, at, daysAgo }

    let label: String
    let column: Int
    let type: ValueType
    var display = Display.equals
}
