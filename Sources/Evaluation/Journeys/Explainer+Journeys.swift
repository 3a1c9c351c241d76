import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// One journey for one customer: the enrolments, and the entry and exit conditions with the
/// customer's values (`explain`).
public struct JourneyExplanation: Sendable {
    public let journey: Journey
    /// Whether `enter when` holds, with a line per condition.
    public let entryHolds: Bool
    public let entry: [ExplanationLine]
    /// Whether `exit when` holds (nil: the journey has no exit condition).
    public let exitHolds: Bool?
    public let exit: [ExplanationLine]
    /// Every enrolment of the customer in this journey, oldest first.
    public let enrolments: [Enrolment]
}

extension Explainer {
    /// `explainJourneys(customerID:enrolments:in:)` for the customer with `externalID`, reading
    /// the enrolments and then the conditions from `store`; nil when there is no such customer.
    public func explainJourneys(externalID: String, in store: CustomerStore) throws -> [JourneyExplanation]? {
        let enrolments = try store.enrolments.of(customer: externalID).map(\.enrolment)
        return try store.inSnapshot { db in
            guard let id = try Int64.fetchOne(db, sql: Self.customerIDSQL, arguments: [externalID]) else { return nil }
            return try explainJourneys(customerID: id, enrolments: enrolments, in: db)
        }
    }

    /// Each journey's conditions for the customer with internal id `customerID`, in `db`, with
    /// the customer's enrolments (from `enrolments`, as `CustomerStore.enrolments.of` gives them).
    public func explainJourneys(customerID: Int64, enrolments: [Enrolment], in db: Database) throws -> [JourneyExplanation] {
        SQLFunctions.register(in: db)
        return try evaluator.ruleSet.journeys.map { journey in
            func probed(_ condition: Condition) throws -> (Bool, [ExplanationLine]) {
                let probe = probeQuery(condition, file: journey.file, customerID: customerID)
                let row = try Row.fetchOne(db, sql: probe.query.sql, arguments: probe.query.statementArguments)
                return lines(probe, row: row.map(\.sqlValues))
            }
            return explanation(of: journey, enrolments: enrolments, entry: try probed(journey.entry), exit: try journey.exit.map(probed))
        }
    }

    /// The internal id of the customer with external id `?`.
    private static let customerIDSQL = "SELECT id FROM customer WHERE external_id = ?"

    /// `explainJourneys(externalID:in:)` on a snapshot of a store that is not SQLite (the
    /// PostgreSQL store's), with the customer's `enrolments` read there; nil when there is no
    /// such customer.
    public func explainJourneys(externalID: String, enrolments: [Enrolment], reading reader: some SQLRowReader) async throws
        -> [JourneyExplanation]?
    {
        guard let id = try await reader.rows(Self.customerIDSQL, arguments: [externalID.sqlValue]).first?[0].int64
        else { return nil }
        return try await explainJourneys(customerID: id, enrolments: enrolments, reading: reader)
    }

    /// `explainJourneys(customerID:enrolments:in:)` on a snapshot of a store that is not SQLite
    /// (the PostgreSQL store's): the same probe queries and lines.
    public func explainJourneys(customerID: Int64, enrolments: [Enrolment], reading reader: some SQLRowReader) async throws
        -> [JourneyExplanation]
    {
        var explained: [JourneyExplanation] = []
        for journey in evaluator.ruleSet.journeys {
            func probed(_ condition: Condition) async throws -> (Bool, [ExplanationLine]) {
                let probe = probeQuery(condition, file: journey.file, customerID: customerID)
                return lines(probe, row: try await reader.rows(probe.query.sql, arguments: probe.query.sqlValues).first)
            }
            var exit: (Bool, [ExplanationLine])?
            if let condition = journey.exit { exit = try await probed(condition) }
            explained.append(explanation(of: journey, enrolments: enrolments, entry: try await probed(journey.entry), exit: exit))
        }
        return explained
    }

    /// `journey`'s explanation from its probed entry and exit conditions.
    private func explanation(
        of journey: Journey, enrolments: [Enrolment], entry: (Bool, [ExplanationLine]), exit: (Bool, [ExplanationLine])?
    ) -> JourneyExplanation {
        JourneyExplanation(
            journey: journey, entryHolds: entry.0, entry: entry.1, exitHolds: exit?.0, exit: exit?.1 ?? [],
            enrolments: enrolments.filter { $0.journey == journey.name })
    }

    /// A condition's probe for one customer: the query, a line per condition node, and the column
    /// saying whether the whole condition holds.
    private func probeQuery(_ condition: Condition, file: SourceFile, customerID: Int64)
        -> (query: SQLFragment, nodes: [ProbeNode], holdsColumn: Int)
    {
        var probes = ProbeList()
        let top: [Condition] = if case .all(let parts) = condition.kind { parts } else { [condition] }
        var nodes: [ProbeNode] = []
        for part in top { nodes += probeNodes(part, file: file, depth: 0, into: &probes) }
        let holdsColumn = probes.add(compiler.compile(condition))
        let query = SQLFragment(
            "SELECT \(probes.select) FROM customer_facts f \(compiler.dialect.orderedJoin("customer", "c", "c.id = f.customer_id")) "
                + "WHERE f.customer_id = ?",
            probes.arguments + [customerID.databaseValue])
        return (query, nodes, holdsColumn)
    }

    /// The probe's lines from its `row`, and whether the condition holds (false without a facts row).
    private func lines(_ probe: (query: SQLFragment, nodes: [ProbeNode], holdsColumn: Int), row: [SQLValue]?)
        -> (Bool, [ExplanationLine])
    {
        guard let row else { return (false, []) }
        let lines = probe.nodes.map { node in
            ExplanationLine(
                depth: node.depth, holds: Self.holds(row[node.column]), text: node.text,
                values: node.values.map { "\($0.label) = \(format(row[$0.column], as: $0.type))" }.joined(separator: ", "))
        }
        return (Self.holds(row[probe.holdsColumn]), lines)
    }
}

extension JourneyExplanation {
    /// What `explain` prints for the journey: its enrolments (step, since, wait end, how it
    /// ended), then the entry and exit conditions with ✓ or ✗ and the values.
    public func text(businessTimeZone: TimeZone) -> String {
        func when(_ instant: Int64) -> String { InstantText.local(instant, in: businessTimeZone) }
        var out = "\njourney \"\(journey.name)\" (\(journey.filePath):\(journey.file.location(of: journey.range.lowerBound).line))\n"
        if enrolments.isEmpty { out += "  not enrolled\n" }
        for e in enrolments {
            out += "  enrolment entered \(when(e.enteredAt))\(e.holdout ? " (holdout)" : ""): "
            if let ended = e.ended, let at = e.endedAt {
                out += "ended \(ended.rawValue)\(e.endedDetail.map { ": \($0)" } ?? "") \(when(at)) at step \"\(e.step)\""
            } else {
                out += "at step \"\(e.step)\" since \(when(e.stepSince)), wait ends \(when(e.waitEndsAt))"
            }
            out += e.journeyHash == journey.contentHash ? "\n" : " (moved last under version \(e.journeyHash))\n"
        }
        out += "  enter when: \(entryHolds ? "holds" : "does not hold")\n"
        for line in entry { out += line.rendered }
        if let exitHolds {
            out += "  exit when (goal): \(exitHolds ? "holds" : "does not hold")\n"
            for line in exit { out += line.rendered }
        }
        return out
    }
}

extension ExplanationLine {
    /// `    ✓ orders >= 2   [orders = 3]`
    var rendered: String {
        "\(String(repeating: "  ", count: depth + 2))\(holds ? "✓" : "✗") \(text)\(values.isEmpty ? "" : "   [\(values)]")\n"
    }
}
