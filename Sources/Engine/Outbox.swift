import CustomerStore
import Evaluation
import Foundation
import Logging
import RuleLanguage

/// A tick: evaluates every rule at the tick's instant and records each decision in the send log
/// in the same write transaction, so a decision and its send are never apart.
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
        public var seconds = 0.0

        public var queued: Int { recorded[.queued] ?? 0 }
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
    public func tick(
        ruleSet: RuleSet, settings: EvaluationSettings, slices: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> TickSummary {
        // The tick's duration (for the log line and the tick timer) is measured on the monotonic
        // clock: a wall clock can step under NTP, and a test's manual clock does not move while
        // the tick runs. Instants (send ids, decided_at, updated_at) come from the engine clock.
        let started = ContinuousClock.now
        var settings = settings
        settings.includeEvidence = true
        settings.sampleSize = 0
        let instant = settings.now
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
        let rules = Dictionary(uniqueKeysWithValues: ruleSet.rules.map { ($0.name, $0) })
        let counts = CountBox()
        let tallies = try ParallelEvaluator(evaluator: evaluator, slices: slices).evaluate(in: store) { writer, stream in
            while let batch = stream.next() {
                for (ruleName, decision) in batch {
                    guard let rule = rules[ruleName] else { continue }
                    let status: SendStatus
                    var reason: String?
                    var due: Int64?
                    switch decision.verdict {
                    case .send: (status, due) = (.queued, instant)
                    case .hold(let until): (status, due, reason) = (.queued, until, "held for quiet hours")
                    case .holdout: (status, reason) = (.holdout, "holdout")
                    case .skip(.limit): continue
                    case .skip(let skip): (status, reason) = (.skipped, skip.rawValue)
                    }
                    let recorded = try writer.record(
                        SendDecision(
                            sendID: SendIdentifier.make(now: clock.now()), rule: rule.name, ruleHash: rule.contentHash,
                            customerID: decision.customerID, channel: rule.channel.rawValue, target: rule.target,
                            windowKey: Self.windowKey(rule.limit, instant: instant), decidedAt: instant, status: status,
                            reason: reason, evidence: decision.evidence ?? "{}", dueAt: due))
                    if recorded {
                        counts.recorded[status, default: 0] += 1
                        counts.byRule[rule.name, default: [:]][status, default: 0] += 1
                    } else {
                        counts.unchanged += 1
                    }
                }
            }
        }
        var summary = TickSummary(
            instant: instant, recorded: counts.recorded, unchanged: counts.unchanged, recordedByRule: counts.byRule, tallies: tallies)
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return summary
    }
}

/// Counters filled on the writer while the tick's transaction runs.
private final class CountBox: @unchecked Sendable {
    var recorded: [SendStatus: Int] = [:]
    var unchanged = 0
    var byRule: [String: [SendStatus: Int]] = [:]
}
