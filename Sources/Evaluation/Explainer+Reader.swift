import CustomerStore
import Foundation

extension Explainer {
    /// `explain(externalID:only:in:)` on a snapshot of a store that is not SQLite (the
    /// PostgreSQL store's): the same verdicts (`Evaluator.evaluate(only:customers:reading:)`),
    /// probe queries and lines. Nil when there is no such customer.
    public func explain(externalID: String, only: Set<String>? = nil, reading reader: some SQLRowReader) async throws -> Explanation? {
        guard let customer = try await reader.rows(
            "SELECT id, name, time_zone FROM customer WHERE external_id = ?", arguments: [externalID.sqlValue]).first,
            let customerID = customer[0].int64
        else { return nil }
        var verdicts: [String: Verdict] = [:]
        _ = try await evaluator.evaluate(only: only, customers: customerID...customerID, reading: reader) { rule, _, verdict in
            verdicts[rule.name] = verdict
        }
        var rules: [RuleExplanation] = []
        for rule in evaluator.ruleSet.rules where only?.contains(rule.name) ?? true {
            let (query, nodes, matchedColumn) = probeQuery(for: rule, customerID: customerID)
            let row = try await reader.rows(query.sql, arguments: query.sqlValues).first
            var lastHandled: Int64?
            if case .skip(.limit) = verdicts[rule.name] {
                let (sql, arguments) = lastHandledQuery(rule, customerID: customerID)
                lastHandled = try await reader.rows(sql, arguments: arguments).first?.first?.int64
            }
            rules.append(
                explanation(
                    of: rule, probed: row, nodes: nodes, matchedColumn: matchedColumn, verdict: verdicts[rule.name], lastHandled: lastHandled
                ).with(variant: variant(of: rule, for: externalID)))
        }
        return Explanation(
            customer: externalID, name: customer[1].string, timeZone: customer[2].string,
            at: evaluator.settings.now, rules: rules)
    }
}
