import CustomerStore
import Foundation
import Logging
import RuleLanguage
import Synchronization

/// The daemon's core: the current configuration (swapped whole on reload), ticks into the send
/// log, and the dispatcher that empties it, over either store (`EngineStore`).
public final class Engine: Sendable {
    public let store: any EngineStore
    public let logger: Logger
    public let clock: any EngineClock
    private let loader: @Sendable () throws -> EngineConfiguration
    private let current: ConfigurationBox
    public let dispatcher: Dispatcher
    /// When the engine was made (seconds since the epoch, by its clock).
    public let startedAt: Double
    private let lastTickRecord = Mutex<TickRecord?>(nil)

    /// Loads the configuration once; a failure here is a failure to start, as is a rule set the
    /// store's tick cannot run (`EngineStore.check`).
    public init(
        store: any EngineStore, clock: any EngineClock = SystemClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        loader: @escaping @Sendable () throws -> EngineConfiguration
    ) throws {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.loader = loader
        self.startedAt = clock.now()
        let configuration = try loader()
        EngineMetrics.rulesLoaded(configuration.runtime.ruleSet.rules.count)
        let current = ConfigurationBox(configuration)
        self.current = current
        self.dispatcher = Dispatcher(
            store: store.dispatch, policy: configuration.policy, clock: clock, logger: logger, random: random,
            runtime: { current.value.withLock { $0.runtime } })
    }

    public var configuration: EngineConfiguration { current.value.withLock { $0 } }

    /// Re-reads config, rules, templates and channels. All or nothing: on any error the running
    /// set stays and the error (with file:line:column for rule files) is logged and rethrown.
    public func reload() async throws {
        do {
            let fresh = try loader()
            let previous = configuration.runtime.ruleSet
            current.value.withLock { $0 = fresh }
            await logJourneyEdits(from: previous, to: fresh.runtime.ruleSet)
            EngineMetrics.reload(result: "ok", rules: fresh.runtime.ruleSet.rules.count)
            logger.notice("reloaded", metadata: ["rules.count": "\(fresh.runtime.ruleSet.rules.count)"])
        } catch {
            EngineMetrics.reload(result: "failed", rules: configuration.runtime.ruleSet.rules.count)
            logger.error("reload failed; the previous configuration keeps running", metadata: ["reload.error": "\(error)"])
            throw error
        }
    }

    /// Logs, per journey the reload changes, how many customers each change affects. A failure
    /// to read the enrolments is logged and does not fail the reload.
    private func logJourneyEdits(from previous: RuleSet, to fresh: RuleSet) async {
        guard !previous.journeys.isEmpty else { return }
        do {
            for line in JourneyEdits.describe(from: previous, to: fresh, counts: try await store.journeyCounts(now: Int64(clock.now()))) {
                logger.notice("journey edit", metadata: ["journey.change": "\(line)"])
            }
        } catch {
            logger.warning("journey edits not counted", metadata: ["reload.error": "\(error)"])
        }
    }

    /// The scheduled instant of the tick due at `now`: the latest multiple of the tick interval.
    public func scheduledInstant(atOrBefore now: Double) -> Int64 {
        let interval = configuration.tickSeconds
        return Int64(now.rounded(.down)) / interval * interval
    }

    /// Evaluates every rule at `instant` and records the decisions (see `Outbox`). On a store
    /// shared with other daemons, a tick another daemon is evaluating is not evaluated here too:
    /// the summary then says `tickedElsewhere` and records nothing.
    @discardableResult
    public func tick(at instant: Int64) async throws -> Outbox.TickSummary {
        let configuration = self.configuration
        let summary: Outbox.TickSummary
        do {
            guard let recorded = try await store.tick(
                ruleSet: configuration.runtime.ruleSet, settings: configuration.settings(at: instant),
                slices: configuration.slices, clock: clock, logger: logger)
            else {
                lastTickRecord.withLock { $0 = TickRecord(instant: instant, finishedAt: clock.now(), error: nil) }
                EngineMetrics.tick(result: "elsewhere", seconds: 0)
                logger.info("tick: another daemon is ticking this store; not ticked here", metadata: ["tick.instant": "\(instant)"])
                return Outbox.TickSummary(instant: instant, tickedElsewhere: true)
            }
            summary = recorded
        } catch {
            let error = store.explaining(error, operation: "tick \(instant)")
            lastTickRecord.withLock { $0 = TickRecord(instant: instant, finishedAt: clock.now(), error: "\(error)") }
            EngineMetrics.tick(result: "failed", seconds: 0)
            throw error
        }
        lastTickRecord.withLock { $0 = TickRecord(instant: instant, finishedAt: clock.now(), error: nil) }
        EngineMetrics.tick(result: "ok", seconds: summary.seconds)
        for rule in configuration.runtime.ruleSet.rules {
            for (status, count) in summary.recordedByRule[rule.name] ?? [:] {
                EngineMetrics.decisions(rule: rule.name, channel: rule.channel, decision: status, count: count)
            }
        }
        for (pool, use) in summary.coupons.sorted(by: { $0.key < $1.key }) {
            EngineMetrics.couponPool(pool, left: use.left, runningLow: use.isRunningLow)
            if use.isRunningLow {
                logger.warning("coupon pool running low: import more codes", metadata: [
                    "coupon.pool": "\(pool)", "coupon.left": "\(use.left)", "coupon.taken": "\(use.taken)",
                    "coupon.ran_out": "\(use.ranOut)",
                ])
            }
        }
        await measureQueueDepth()
        logger.info("tick", metadata: [
            "tick.instant": "\(instant)", "tick.queued": "\(summary.queued)", "tick.holdout": "\(summary.recorded[.holdout] ?? 0)",
            "tick.skipped": "\(summary.recorded[.skipped] ?? 0)", "tick.unchanged": "\(summary.unchanged)",
            "tick.enrolled": "\(summary.journeys.reduce(0) { $0 + $1.entered })",
            "tick.steps": "\(summary.journeys.reduce(0) { $0 + $1.steps.reduce(0) { $0 + $1.advanced } })",
            "tick.seconds": "\(String(format: "%.2f", summary.seconds))",
            "tick.segments": "\(summary.membership.count)",
            "tick.membership_seconds": "\(String(format: "%.2f", summary.membershipSeconds))",
        ])
        return summary
    }

    /// Sends everything due now; returns when nothing is due or `shouldStop` says so (in-flight
    /// sends always finish).
    public func dispatchDue(shouldStop: @escaping @Sendable () -> Bool = { false }) async throws -> DispatchSummary {
        let summary = try await dispatcher.drain(policy: configuration.policy, shouldStop: shouldStop)
        await measureQueueDepth()
        return summary
    }

    /// The last tick: its instant, when it ended and its error, or nil before the first.
    public var lastTick: TickRecord? { lastTickRecord.withLock { $0 } }

    /// Why the dispatcher last failed to write the store (a claim, an outcome), or nil once a
    /// later write succeeded.
    public var dispatchError: String? { dispatcher.storeProblem }

    /// Updates the queue depth gauge (a count over the `send_due` index).
    private func measureQueueDepth() async {
        do {
            EngineMetrics.queueDepth(try await store.dueCount(now: Int64(clock.now())))
        } catch {
            logger.debug("queue depth not measured", metadata: ["queue.error": "\(error)"])
        }
    }
}

/// The current configuration, shared by the engine and the dispatcher's view of it.
final class ConfigurationBox: Sendable {
    let value: Mutex<EngineConfiguration>
    init(_ configuration: EngineConfiguration) { value = Mutex(configuration) }
}
