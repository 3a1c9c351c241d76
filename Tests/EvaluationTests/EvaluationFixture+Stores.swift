@testable import CustomerStore
import Evaluation
import GRDB
import PostgresStore
import RuleLanguage
import Synchronization
import Testing
import TestSupport

/// The PostgreSQL store an `EvaluationFixture` on `.postgres` reads: a copy of its SQLite store
/// (`PostgresServer.copy(of:)`, facts built by the copy's triggers) made at the first read and made
/// again whenever the SQLite store has changed since (by the count of rows its writer has changed).
final class PostgresMirror: Sendable {
    private struct Current: Sendable {
        let store: PostgresStore
        let changes: Int64
        /// Whether this mirror made it, and so closes it.
        let owned: Bool
    }

    private let current = Mutex<Current?>(nil)

    /// A copy of `source` as it is now.
    func store(copying source: CustomerStore) async throws -> PostgresStore {
        let changes = try await Self.changes(of: source)
        if let current = current.withLock({ $0 }), current.changes == changes { return current.store }
        let (store, _) = try await PostgresServer.shared().copy(of: source, poolSize: 2)
        await replace(with: Current(store: store, changes: changes, owned: true))
        return store
    }

    /// Takes `store`, made by the caller and holding the same data, as `source`'s copy as it is
    /// now; the caller closes it.
    func adopt(_ store: PostgresStore, as source: CustomerStore) async throws {
        await replace(with: Current(store: store, changes: try await Self.changes(of: source), owned: false))
    }

    private func replace(with new: Current) async {
        let replaced = current.withLock { current in
            defer { current = new }
            return current
        }
        if let replaced, replaced.owned { await replaced.store.close() }
    }

    /// Rows changed by `source`'s writer so far: every write of a store goes through its pool's
    /// one writer connection.
    private static func changes(of source: CustomerStore) async throws -> Int64 {
        try await source.database.write { try Int64.fetchOne($0, sql: "SELECT total_changes()") ?? 0 }
    }

    deinit {
        if let current = current.withLock({ $0 }), current.owned { Task { await current.store.close() } }
    }
}

extension EvaluationFixture {
    /// Every decision of `ruleSet` with `settings`, on this fixture's store, as a tick reads them:
    /// SQLite's `Evaluator.evaluate(only:in:)`, or the PostgreSQL copy's
    /// `Evaluator.evaluate(only:reading:)` in one snapshot.
    func evaluate(_ ruleSet: RuleSet, settings: EvaluationSettings, only: Set<String>? = nil) async throws -> Evaluation {
        let decisions = Mutex<[String: [Decision]]>([:])
        let tallies: [RuleTally]
        switch kind {
        case .sqlite:
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings)
            tallies = try await store.database.read { db in
                try evaluator.evaluate(only: only, in: db) { rule, decision in
                    decisions.withLock { $0[rule.name, default: []].append(decision) }
                }
            }
        case .postgres:
            let postgres = try await mirror.store(copying: store)
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: postgres.dialect)
            tallies = try await postgres.inSnapshot(for: "test") { snapshot in
                try await evaluator.evaluate(
                    only: only, reading: snapshot,
                    onDecision: { rule, decision in decisions.withLock { $0[rule.name, default: []].append(decision) } })
            }
        }
        return Evaluation(
            tallies: Dictionary(uniqueKeysWithValues: tallies.map { ($0.rule, $0) }), decisions: decisions.withLock { $0 })
    }

    /// The tallies `plan --threads N` prints: SQLite's `ParallelEvaluator.evaluate(in:)` on N
    /// slices of the customers, or the PostgreSQL copy's `Evaluator.evaluate(readingConcurrently:)`
    /// on N consistent snapshots (never more than its pool: 2, or 4 for the hand-written check's).
    func plan(_ ruleSet: RuleSet, settings: EvaluationSettings, threads: Int = 1) async throws -> [RuleTally] {
        switch kind {
        case .sqlite:
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings)
            return try ParallelEvaluator(evaluator: evaluator, slices: threads).evaluate(in: store)
        case .postgres:
            let postgres = try await mirror.store(copying: store)
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: postgres.dialect)
            return try await postgres.inConsistentSnapshots(count: threads, for: "test") { snapshots in
                try await evaluator.evaluate(readingConcurrently: snapshots)
            }
        }
    }

    /// `explain` of the customer with `externalID` on this fixture's store; nil when there is none.
    func explain(_ externalID: String, _ ruleSet: RuleSet, settings: EvaluationSettings, only: Set<String>? = nil) async throws
        -> Explanation?
    {
        switch kind {
        case .sqlite:
            let explainer = Explainer(ruleSet: ruleSet, settings: settings)
            return try await store.database.read { try explainer.explain(externalID: externalID, only: only, in: $0) }
        case .postgres:
            let postgres = try await mirror.store(copying: store)
            let explainer = Explainer(ruleSet: ruleSet, settings: settings, dialect: postgres.dialect)
            return try await postgres.inSnapshot(for: "test") { try await explainer.explain(externalID: externalID, only: only, reading: $0) }
        }
    }

    /// Who entered and who left `segment` since its last recorded evaluation, on this fixture's store.
    func membershipChanges(of segment: Segment, _ ruleSet: RuleSet, settings: EvaluationSettings) async throws -> MembershipChanges {
        switch kind {
        case .sqlite:
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings)
            return try await store.database.read { try evaluator.membershipChanges(of: segment, in: $0) }
        case .postgres:
            let postgres = try await mirror.store(copying: store)
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: postgres.dialect)
            return try await postgres.inSnapshot(for: "test") { try await evaluator.membershipChanges(of: segment, reading: $0) }
        }
    }

    /// The single integer `sql` selects, on the store evaluations read (on PostgreSQL, the copy of
    /// the SQLite store as it is now).
    func integer(_ sql: String) async throws -> Int64? {
        switch kind {
        case .sqlite:
            return try await store.database.read { try Int64.fetchOne($0, sql: sql) }
        case .postgres:
            let postgres = try await mirror.store(copying: store)
            let rows = try await postgres.inSnapshot(for: "test") { try await $0.rows(sql) }
            return rows.first.flatMap { $0[0].int64 }
        }
    }
}
