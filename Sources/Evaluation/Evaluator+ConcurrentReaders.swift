import CustomerStore
import GRDB
import RuleLanguage

extension Evaluator {
    /// `evaluate(only:reading:)` over several snapshots that all see one committed state (the
    /// PostgreSQL store's `inConsistentSnapshots`), a rule at a time on each: a snapshot that
    /// has read one rule's audience starts the next rule's query, while the rules are decided
    /// one after another in priority order as their audiences arrive. Every query and every
    /// verdict is the one a single snapshot gives, so the tallies are too; what runs at once is
    /// the reading (the server's work and the rows' decoding), overlapping the deciding.
    public func evaluate<Reader: SQLRowReader & Sendable>(
        only: Set<String>? = nil, readingConcurrently readers: [Reader]
    ) async throws -> [RuleTally] {
        guard let first = readers.first else { return [] }
        var (messages, order, current) = try await start(only: only, customers: nil, reading: first)
        let queries = order.map { isActive($0.rule) ? audienceQuery(for: $0.rule, factsAreCurrent: current) : nil }
        let clock = ContinuousClock()
        return try await withThrowingTaskGroup(of: Audience.self) { group in
            var unread = queries.indices.filter { queries[$0] != nil }.makeIterator()
            func read(on reader: Int) {
                guard let index = unread.next(), let query = queries[index] else { return }
                let snapshot = readers[reader]
                group.addTask {
                    let started = clock.now
                    let rows = try await snapshot.rows(query.sql, arguments: query.sqlValues)
                    return Audience(index: index, reader: reader, rows: rows, duration: clock.now - started)
                }
            }
            for reader in readers.indices { read(on: reader) }
            var arrived: [Int: Audience] = [:]
            var tallies: [RuleTally] = []
            for (index, (rule, reported)) in order.enumerated() {
                var tally = RuleTally(rule: rule.name, active: queries[index] != nil, variants: rule.variants.count)
                if tally.active {
                    while arrived[index] == nil, let audience = try await group.next() {
                        read(on: audience.reader)
                        arrived[audience.index] = audience
                    }
                    guard let audience = arrived.removeValue(forKey: index) else { throw CancellationError() }
                    let started = clock.now
                    decide(audience.rows, of: rule, messages: &messages, tally: &tally, onVerdict: nil, onDecision: nil)
                    tally.duration = audience.duration + (clock.now - started)
                }
                if reported { tallies.append(tally) }
            }
            return inSourceOrder(tallies)
        }
    }
}

/// One rule's audience as a snapshot read it: the rows, which snapshot (free again) and how long.
private struct Audience: Sendable {
    let index: Int
    let reader: Int
    let rows: [[SQLValue]]
    let duration: Duration
}
