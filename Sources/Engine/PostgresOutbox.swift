import CustomerStore
import Evaluation
import Foundation
import Logging
import PostgresStore
import RuleLanguage

/// A tick on a PostgreSQL store that several daemons share: the rules evaluated in one
/// repeatable-read snapshot and their decisions recorded in the same transaction, under an
/// advisory lock (`PostgresStore.inTickTransaction`), so one daemon evaluates a tick at a time.
/// The send log's `UNIQUE(rule, customer_id, window_key)` still makes a second queueing
/// impossible, as in `Outbox`, whose decisions and counts these are.
///
/// Rules only, so far: a rule set with journeys, coupon pools, segment transitions or an A/B
/// winner policy is refused (`Unsupported`) before anything is read.
public struct PostgresOutbox: Sendable {
    public let store: PostgresStore
    public let clock: any EngineClock

    public init(store: PostgresStore, clock: any EngineClock) {
        self.store = store
        self.clock = clock
    }

    /// What a tick on PostgreSQL cannot do yet.
    public struct Unsupported: Error, CustomStringConvertible {
        public let feature: String
        public var description: String { "a tick on a PostgreSQL store does not run \(feature) yet" }
    }

    /// Refuses a rule set using what the PostgreSQL tick does not run yet.
    public static func check(_ ruleSet: RuleSet) throws {
        if let journey = ruleSet.journeys.first { throw Unsupported(feature: "journeys (journey \"\(journey.name)\")") }
        if let rule = ruleSet.rules.first(where: { $0.couponPool != nil }) {
            throw Unsupported(feature: "coupon pools (rule \"\(rule.name)\")")
        }
        if let rule = ruleSet.rules.first(where: { $0.winner != nil }) {
            throw Unsupported(feature: "A/B winner decisions (rule \"\(rule.name)\")")
        }
        if let segment = ruleSet.transitionSegments.first {
            throw Unsupported(feature: "segment transitions (entered/left \"\(segment.name)\")")
        }
    }

    /// Evaluates `ruleSet` at `settings.now` and records the decisions; nil when another
    /// daemon's tick holds the lock (that tick records the same decisions).
    public func tick(ruleSet: RuleSet, settings: EvaluationSettings) async throws -> Outbox.TickSummary? {
        try Self.check(ruleSet)
        let started = ContinuousClock.now
        var settings = settings
        settings.includeEvidence = true
        settings.sampleSize = 0
        settings.winners = [:]
        for winner in try await store.variantWinners() { settings.winners[winner.rule] = winner.variant }
        let instant = settings.now
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
        let clock = self.clock
        let recorded = try await store.inTickTransaction { transaction -> Outbox.TickSummary in
            // Every decision first, then the writes: the evaluation's later rules must not read
            // this tick's sends (the contact-pressure cap counts them in memory, as in SQLite).
            var decisions: [SendDecision] = []
            let tallies = try await evaluator.evaluate(reading: transaction, onDecision: { rule, decision in
                guard let row = Outbox.row(for: decision, of: rule, at: instant, sendID: { SendIdentifier.make(now: clock.now()) })
                else { return }
                decisions.append(row)
            })
            let written = try await transaction.record(decisions)
            var summary = Outbox.TickSummary(instant: instant, tallies: tallies)
            for decision in decisions {
                guard written.contains(decision.sendID) else {
                    summary.unchanged += 1
                    continue
                }
                summary.recorded[decision.status, default: 0] += 1
                summary.recordedByRule[decision.rule, default: [:]][decision.status, default: 0] += 1
            }
            return summary
        }
        guard var summary = recorded else { return nil }
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return summary
    }
}
