import CustomerStore
import Evaluation
import Foundation
import Logging
import RuleLanguage

/// A tick: evaluates every rule at the tick's instant and records each decision in the send log
/// in the same write transaction, so a decision and its send are never apart; then, in that
/// transaction too, enrols, ends and advances journey enrolments (`JourneyPass`).
///
/// One row per (rule, customer, limit window) (`DecisionWriter`): a second queueing is
/// impossible even when two ticks overlap or a tick is re-run after a crash. A limit skip is not
/// recorded (the earlier send explains it).
public struct Outbox: Sendable {
    public let store: CustomerStore
    /// The engine's clock: the instant in each new send id.
    public let clock: any EngineClock
    public let logger: Logger

    public init(store: CustomerStore, clock: any EngineClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// What a tick recorded.
    public struct TickSummary: Sendable {
        public var instant: Int64
        /// New rows by status (`queued`, `holdout`, `skipped`), counting skips turned into sends as queued.
        public var recorded: [SendStatus: Int] = [:]
        /// Decisions that changed nothing: already recorded for this rule, customer and window.
        public var unchanged = 0
        /// New rows by rule and status.
        public var recordedByRule: [String: [SendStatus: Int]] = [:]
        public var tallies: [RuleTally] = []
        /// What each journey did (enrolled, ended, steps taken), in source order.
        public var journeys: [JourneyTally] = []
        public var seconds = 0.0
        /// What was recorded per segment whose transitions are read (`entered S`, `left S`).
        public var membership: [String: SegmentMembershipWriter.Update] = [:]
        /// Time the slowest slice spent finding membership changes (they run in parallel).
        public var membershipSeconds = 0.0
        /// Per coupon pool used this tick: codes taken, and free codes left after the tick.
        public var coupons: [String: CouponUse] = [:]
        /// Another daemon sharing the store held its tick lock: this tick recorded nothing here
        /// (that daemon's tick records the same decisions).
        public var tickedElsewhere = false

        public var queued: Int { recorded[.queued] ?? 0 }

        /// Adds what the journeys did; rule sends whose place under the cap a higher-priority
        /// step took count as skipped (`capped`) instead of queued.
        mutating func add(journeys: [JourneyTally]) {
            self.journeys = journeys
            for displaced in journeys.flatMap(\.displaced) {
                recorded[.queued, default: 0] -= 1
                recorded[.skipped, default: 0] += 1
                recordedByRule[displaced.rule, default: [:]][.queued, default: 0] -= 1
                recordedByRule[displaced.rule, default: [:]][.skipped, default: 0] += 1
            }
            tallies = RuleTally.displacing(journeys, in: tallies)
        }
    }

    /// The send-log row `decision` of `rule` records at `instant`, with a send id from `sendID`;
    /// nil for a limit skip, which is not recorded (the earlier send explains it).
    static func row(for decision: Decision, of rule: Rule, at instant: Int64, sendID: () -> String) -> SendDecision? {
        var status: SendStatus
        var reason: String?
        var due: Int64?
        switch decision.verdict {
        case .send: (status, due) = (.queued, instant)
        case .hold(let until): (status, due, reason) = (.queued, until, "held for quiet hours")
        case .holdout: (status, reason) = (.holdout, "holdout")
        case .skip(.limit): return nil
        case .skip(let skip): (status, reason) = (.skipped, skip.rawValue)
        }
        return SendDecision(
            sendID: sendID(), rule: rule.name, ruleHash: rule.contentHash, customerID: decision.customerID,
            channel: rule.channel.rawValue, target: decision.variant ?? rule.target, windowKey: windowKey(rule.limit, instant: instant),
            decidedAt: instant, status: status, reason: reason, evidence: decision.evidence ?? "{}", dueAt: due,
            purpose: rule.purpose.rawValue, variant: decision.variant)
    }

    /// The limit window a decision at `instant` falls in, for the unique key.
    static func windowKey(_ limit: SendLimit, instant: Int64) -> Int64 {
        switch limit {
        case .once: 0
        case .oncePer(let days): instant / (Int64(days) * 86_400)
        case .unlimited: instant
        }
    }

    /// Evaluates `ruleSet` at `instant` and records the decisions; `slices` connections evaluate
    /// in parallel (see `ParallelEvaluator`).
    ///
    /// With `rehearse`, everything is decided and recorded as in a tick and then rolled back:
    /// what `plan` shows for journeys, whose steps depend on what the tick writes before them.
    public func tick(
        ruleSet: RuleSet, settings: EvaluationSettings, slices: Int = ProcessInfo.processInfo.activeProcessorCount,
        rehearse: Bool = false
    ) throws -> TickSummary {
        // The tick's duration (for the log line and the tick timer) is measured on the monotonic
        // clock: a wall clock can step under NTP, and a test's manual clock does not move while
        // the tick runs. Instants (send ids, decided_at, updated_at) come from the engine clock.
        let started = ContinuousClock.now
        var settings = settings
        settings.includeEvidence = true
        settings.sampleSize = 0
        let instant = settings.now
        // A/B winners first (at most one decision per rule per tick), so this tick's sends follow them.
        settings.winners = try decideVariantWinners(ruleSet: ruleSet, at: instant, record: !rehearse)
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
        let rules = Dictionary(uniqueKeysWithValues: ruleSet.rules.map { ($0.name, $0) })
        let tracked = ruleSet.transitionSegments.map(\.name)
        let counts = CountBox()
        let clock = self.clock
        let journeyPass = JourneyPass(
            ruleSet: ruleSet, settings: settings, dialect: store.dialect, makeSendID: { SendIdentifier.make(now: clock.now()) })
        // The journeys' entry scans run on the slices beside the rules, in the same snapshot.
        let entrants = ruleSet.journeys.isEmpty
            ? nil : JourneyEntrants(JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: store.dialect))
        let tallies = try ParallelEvaluator(evaluator: evaluator, slices: slices).evaluate(in: store, whileLocked: { writer, stream in
            while let batch = stream.next() {
                for (ruleName, decision) in batch {
                    guard let rule = rules[ruleName],
                        let row = Self.row(for: decision, of: rule, at: instant, sendID: { SendIdentifier.make(now: clock.now()) })
                    else { continue }
                    // A queued send of a rule on a coupon pool takes its code here, or is skipped `no_coupon`.
                    let (recorded, status) = try writer.record(row, couponPool: rule.couponPool)
                    if recorded {
                        counts.recorded[status, default: 0] += 1
                        counts.byRule[rule.name, default: [:]][status, default: 0] += 1
                    } else {
                        counts.unchanged += 1
                    }
                }
            }
            // Every slice has finished: the membership changes are complete.
            counts.membership = try Self.recordMembership(of: tracked, at: instant, from: stream, in: writer.membership)
            counts.membershipDuration = stream.membershipDuration
            // Journeys after every rule's decision, in the same transaction (docs/rules.md).
            counts.journeys = try journeyPass.run(on: writer, entrants: entrants?.all)
            counts.coupons = try writer.couponUse(now: instant)
        }, commit: !rehearse, journeyEntrants: entrants)
        var summary = TickSummary(
            instant: instant, recorded: counts.recorded, unchanged: counts.unchanged, recordedByRule: counts.byRule, tallies: tallies)
        summary.add(journeys: counts.journeys)
        summary.coupons = counts.coupons
        summary.membership = counts.membership
        summary.membershipSeconds = counts.membershipDuration / .seconds(1)
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return summary
    }
}

/// Counters filled on the writer while the tick's transaction runs.
private final class CountBox: @unchecked Sendable {
    var recorded: [SendStatus: Int] = [:]
    var unchanged = 0
    var byRule: [String: [SendStatus: Int]] = [:]
    var journeys: [JourneyTally] = []
    var membership: [String: SegmentMembershipWriter.Update] = [:]
    var membershipDuration = Duration.zero
    var coupons: [String: CouponUse] = [:]
}

extension Outbox {
    /// Writes the membership changes the slices found for each segment in `tracked` at
    /// `instant`, and drops the history of segments no longer tracked; inside the tick's
    /// transaction. The slices read the previous evaluation's membership from their snapshots,
    /// taken before these writes.
    static func recordMembership(
        of tracked: [String], at instant: Int64, from stream: DecisionStream, in membership: SegmentMembershipWriter
    ) throws -> [String: SegmentMembershipWriter.Update] {
        var updates: [String: SegmentMembershipWriter.Update] = [:]
        for segment in tracked {
            let changes = stream.membershipChanges(of: segment)
            updates[segment] = try membership.record(
                segment: segment, at: instant, entered: changes.entered, left: changes.left)
        }
        try membership.stopTracking(allBut: Set(tracked))
        return updates
    }
}
