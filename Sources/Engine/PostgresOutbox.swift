import CustomerStore
import Evaluation
import Foundation
import Logging
import PostgresStore
import Reporting
import RuleLanguage

/// A tick on a PostgreSQL store that several daemons share: the rules evaluated in one
/// repeatable-read snapshot and their decisions recorded in the same transaction, under an
/// advisory lock (`PostgresStore.inTickTransaction`), so one daemon evaluates a tick at a time.
/// The send log's `UNIQUE(rule, customer_id, window_key)` still makes a second queueing
/// impossible, as in `Outbox`, whose decisions and counts these are.
///
/// Rules with their coupon pools (codes taken in the tick's transaction), A/B winner decisions
/// (judged in the tick's snapshot before the rules are evaluated, at most once per rule, written
/// in the same transaction), segment transitions (membership changes found in the snapshot,
/// recorded in the transaction) and journeys (entrants found in the snapshot; then the SQLite
/// tick's `JourneyPass`, after the rules' decisions, on the same transaction:
/// `PostgresJourneyWriter`).
public struct PostgresOutbox: Sendable {
    public let store: PostgresStore
    public let clock: any EngineClock
    public let logger: Logger

    public init(store: PostgresStore, clock: any EngineClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Evaluates `ruleSet` at `settings.now` and records the decisions; nil when another
    /// daemon's tick holds the lock (that tick records the same decisions).
    ///
    /// With `rehearse`, everything is decided and recorded as in a tick and then rolled back,
    /// after waiting for the lock (what `plan` shows for journeys, as `Outbox.tick(rehearse:)`);
    /// no winner is recorded.
    public func tick(ruleSet: RuleSet, settings: EvaluationSettings, rehearse: Bool = false) async throws -> Outbox.TickSummary? {
        let started = ContinuousClock.now
        var settings = settings
        settings.includeEvidence = true
        settings.sampleSize = 0
        let instant = settings.now
        let clock = self.clock
        let dialect = store.dialect
        let couponPools = Dictionary(uniqueKeysWithValues: ruleSet.rules.compactMap { rule in rule.couponPool.map { (rule.name, $0) } })
        let recorded = try await store.inTickTransaction(rehearse: rehearse) { transaction -> (summary: Outbox.TickSummary, decided: [VariantWinner]) in
            // A/B winners first (at most one decision per rule per tick), so this tick's sends follow them.
            let (winners, decided) = try await Self.decideVariantWinners(ruleSet: ruleSet, at: instant, in: transaction)
            settings.winners = winners
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: dialect)
            // Every decision first, then the writes: the evaluation's later rules must not read
            // this tick's sends (the contact-pressure cap counts them in memory, as in SQLite).
            var decisions: [SendDecision] = []
            let tallies = try await evaluator.evaluate(reading: transaction, onDecision: { rule, decision in
                guard let row = Outbox.row(for: decision, of: rule, at: instant, sendID: { SendIdentifier.make(now: clock.now()) })
                else { return }
                decisions.append(row)
            })
            // Membership changes of the segments whose transitions are read, in the same snapshot
            // and before anything is written (the rules above read the previous evaluation's).
            let membershipStarted = ContinuousClock.now
            var changes: [(segment: String, changes: MembershipChanges)] = []
            for segment in ruleSet.transitionSegments {
                changes.append((segment.name, try await evaluator.membershipChanges(of: segment, reading: transaction)))
            }
            let membershipSeconds = (ContinuousClock.now - membershipStarted) / .seconds(1)
            // The journeys' entrants, in the same snapshot, before anything is written.
            let entrants = ruleSet.journeys.isEmpty
                ? nil : try await JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: dialect).entrants(reading: transaction)
            // A queued send of a rule on a coupon pool takes its code here, or is skipped `no_coupon`.
            let recorded = try await transaction.record(decisions, couponPools: couponPools, now: instant)
            var summary = Outbox.TickSummary(instant: instant, tallies: tallies)
            for decision in recorded.decisions {
                guard recorded.written.contains(decision.sendID) else {
                    summary.unchanged += 1
                    continue
                }
                summary.recorded[decision.status, default: 0] += 1
                summary.recordedByRule[decision.rule, default: [:]][decision.status, default: 0] += 1
            }
            summary.coupons = recorded.coupons
            for (segment, found) in changes {
                summary.membership[segment] = try await transaction.recordMembership(
                    segment: segment, at: instant, entered: found.entered, left: found.left)
            }
            try await transaction.stopTracking(allBut: Set(changes.map(\.segment)))
            summary.membershipSeconds = membershipSeconds
            // Journeys after every rule's decision, in the same transaction (docs/rules.md).
            if let entrants {
                let settings = settings
                let (journeys, coupons) = try await transaction.withJourneyWriter { writer in
                    try JourneyPass(
                        ruleSet: ruleSet, settings: settings, dialect: dialect, makeSendID: { SendIdentifier.make(now: clock.now()) }
                    ).run(on: writer, entrants: entrants)
                }
                summary.add(journeys: journeys)
                CouponUse.merging(coupons, into: &summary.coupons)
            }
            // The claims that follow are planned with statistics that count this tick's queue.
            if !rehearse && summary.recorded.values.reduce(0, +) >= PostgresTickTransaction.analyzeAfterRows {
                try await transaction.analyzeSendLog()
            }
            return (summary, rehearse ? [] : decided)
        }
        guard let recorded else { return nil }
        // Logged once committed: a tick that fails records no winner.
        for winner in recorded.decided { Outbox.logDecided(winner, logger) }
        var summary = recorded.summary
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return summary
    }

    /// The recorded winners, by rule, after deciding those that are due, in the tick's snapshot
    /// and transaction (`Outbox.decideVariantWinners` on SQLite, with the same judge); and the
    /// winners this call recorded.
    static func decideVariantWinners(
        ruleSet: RuleSet, at instant: Int64, in transaction: PostgresTickTransaction
    ) async throws -> (winners: [String: String], decided: [VariantWinner]) {
        var winners: [String: String] = [:]
        var decided: [VariantWinner] = []
        for winner in try await transaction.variantWinners() { winners[winner.rule] = winner.variant }
        for rule in ruleSet.rules {
            guard let policy = rule.winner, winners[rule.name] == nil else { continue }
            guard
                let rows = try await transaction.completeVariantExposure(
                    rule: rule.name, now: instant, windowSeconds: Int64(policy.days) * 86_400,
                    minimum: VariantJudge.minimumRecipients * rule.variants.count),
                let winner = Outbox.judge(rule, policy: policy, complete: rows, at: instant)
            else { continue }
            winners[rule.name] = winner.variant
            if try await transaction.recordVariantWinner(winner) { decided.append(winner) }
        }
        return (winners, decided)
    }
}
