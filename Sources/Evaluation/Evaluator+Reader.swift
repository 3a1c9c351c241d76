import CustomerStore
import Foundation
import RuleLanguage

extension Evaluator {
    /// `evaluate(only:customers:in:)` on a snapshot of a store that is not SQLite (the PostgreSQL
    /// store's `PostgresSnapshot`): the same rules in the same order, the same queries spelt in
    /// this evaluator's dialect, the same verdicts (`RuleDecider`). Each rule's audience is read
    /// whole, then decided; `onVerdict` receives each reported rule's verdicts (what `explain` needs),
    /// `onDecision` each reported rule's decisions, with the evidence when the settings ask for it
    /// and the chosen variant (what a tick records).
    public func evaluate(
        only: Set<String>? = nil, customers: ClosedRange<Int64>? = nil, reading reader: some SQLRowReader,
        onVerdict: ((_ rule: Rule, _ customerID: Int64, _ verdict: Verdict) -> Void)? = nil,
        onDecision: ((_ rule: Rule, _ decision: Decision) -> Void)? = nil
    ) async throws -> [RuleTally] {
        var (messages, order, current) = try await start(only: only, customers: customers, reading: reader)
        var tallies: [RuleTally] = []
        let clock = ContinuousClock()
        for (rule, reported) in order {
            var tally = RuleTally(rule: rule.name, active: isActive(rule), variants: rule.variants.count)
            let started = clock.now
            if tally.active {
                let query = audienceQuery(for: rule, factsAreCurrent: current, customers: customers)
                let rows = try await reader.rows(query.sql, arguments: query.sqlValues)
                decide(
                    rows, of: rule, messages: &messages, tally: &tally, onVerdict: reported ? onVerdict : nil,
                    onDecision: reported ? onDecision : nil)
            }
            tally.duration = clock.now - started
            if reported { tallies.append(tally) }
        }
        return inSourceOrder(tallies)
    }

    /// Decides each row of `rule`'s audience query (columns as `audienceQuery` lists them).
    func decide(
        _ rows: [[SQLValue]], of rule: Rule, messages: inout MessageCounter, tally: inout RuleTally,
        onVerdict: ((Rule, Int64, Verdict) -> Void)?, onDecision: ((Rule, Decision) -> Void)?
    ) {
        let decider = RuleDecider(rule: rule, settings: settings)
        var skipped = [Int](repeating: 0, count: SkipReason.allCases.count)
        // As SQLite's column reader: NULL and 0 are false.
        func flag(_ value: SQLValue) -> Bool { (value.int64 ?? 0) != 0 }
        for row in rows {
            let customerID = row[0].int64 ?? 0
            let externalID = Array((row[1].string ?? "").utf8)
            externalID.withUnsafeBytes { externalID in
                let (verdict, variant) = decider.decide(
                    customerID: customerID, externalID: externalID, limitHit: flag(row[3]), consented: flag(row[4]),
                    suppressed: flag(row[5]), hasAddress: flag(row[6]), timeZone: { row[2].string },
                    messages: &messages, tally: &tally)
                decider.count(verdict, customerID: customerID, externalID: externalID, skipped: &skipped, tally: &tally)
                onVerdict?(rule, customerID, verdict)
                if let onDecision {
                    onDecision(
                        rule,
                        Decision(
                            customerID: customerID, externalID: String(decoding: externalID, as: UTF8.self), verdict: verdict,
                            evidence: settings.includeEvidence ? row[7].string.map(JSONText.compact) : nil,
                            variant: variant.map { rule.variants[$0].target }))
                }
            }
        }
        tally.matched += tally.wouldSend
        tally.add(skipped: skipped)
    }

    /// `membershipChanges(of:customers:in:)` on another store's snapshot: the same two queries
    /// in this evaluator's dialect, over every customer.
    public func membershipChanges(of segment: Segment, reading reader: some SQLRowReader) async throws -> MembershipChanges {
        let queries = membershipQueries(for: segment, customers: nil, factsAreCurrent: false)
        func ids(_ query: SQLFragment) async throws -> [Int64] {
            try await reader.rows(query.sql, arguments: query.sqlValues).compactMap { $0[0].int64 }
        }
        return MembershipChanges(entered: try await ids(queries.entered), left: try await ids(queries.left))
    }

    /// `factsAreCurrent(customers:in:)` on another store's snapshot.
    /// What an evaluation on a reader starts from: the contact-pressure counts, the rules in
    /// evaluation order, and whether the facts are current (asked only when three or more rules
    /// run, where the cheaper facts-only queries pay for the question).
    func start(only: Set<String>?, customers: ClosedRange<Int64>?, reading reader: some SQLRowReader) async throws
        -> (messages: MessageCounter, order: [(rule: Rule, reported: Bool)], factsAreCurrent: Bool)
    {
        let messages = try await MessageCounter(settings: settings, customers: customers, reading: reader)
        let order = evaluationOrder(only: only)
        let current = order.count >= 3 ? try await factsAreCurrent(customers: customers, reading: reader) : false
        return (messages, order, current)
    }

    func factsAreCurrent(customers: ClosedRange<Int64>?, reading reader: some SQLRowReader) async throws -> Bool {
        let latest = try await reader.rows(latestHistorySQL(customers: customers), arguments: []).first?.first
        return (latest?.int64 ?? 0) <= settings.now
    }
}
