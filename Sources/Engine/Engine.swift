import CustomerStore
import Foundation
import Logging
import Synchronization

/// The daemon's core: the current configuration (swapped whole on reload), ticks into the send
/// log, and the dispatcher that empties it.
public final class Engine: Sendable {
    public let store: CustomerStore
    public let logger: Logger
    public let clock: any EngineClock
    private let loader: @Sendable () throws -> EngineConfiguration
    private let current: ConfigurationBox
    public let dispatcher: Dispatcher
    /// When the engine was made (seconds since the epoch, by its clock).
    public let startedAt: Double
    private let lastTickRecord = Mutex<TickRecord?>(nil)

    /// Loads the configuration once; a failure here is a failure to start.
    public init(
        store: CustomerStore, clock: any EngineClock = SystemClock(), logger: Logger,
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
            store: store, policy: configuration.policy, clock: clock, logger: logger, random: random,
            runtime: { current.value.withLock { $0.runtime } })
    }

    public var configuration: EngineConfiguration { current.value.withLock { $0 } }

    /// Re-reads config, rules, templates and channels. All or nothing: on any error the running
    /// set stays and the error (with file:line:column for rule files) is logged and rethrown.
    public func reload() throws {
        do {
            let fresh = try loader()
            current.value.withLock { $0 = fresh }
            EngineMetrics.reload(result: "ok", rules: fresh.runtime.ruleSet.rules.count)
            logger.notice("reloaded", metadata: ["rules.count": "\(fresh.runtime.ruleSet.rules.count)"])
        } catch {
            EngineMetrics.reload(result: "failed", rules: configuration.runtime.ruleSet.rules.count)
            logger.error("reload failed; the previous configuration keeps running", metadata: ["reload.error": "\(error)"])
            throw error
        }
    }

    /// The scheduled instant of the tick due at `now`: the latest multiple of the tick interval.
    public func scheduledInstant(atOrBefore now: Double) -> Int64 {
        let interval = configuration.tickSeconds
        return Int64(now.rounded(.down)) / interval * interval
    }

    /// Evaluates every rule at `instant` and records the decisions (see `Outbox`).
    @discardableResult
    public func tick(at instant: Int64) throws -> Outbox.TickSummary {
        let configuration = self.configuration
        let summary: Outbox.TickSummary
        do {
            summary = try Outbox(store: store, clock: clock, logger: logger).tick(
                ruleSet: configuration.runtime.ruleSet, settings: configuration.settings(at: instant),
                slices: configuration.slices)
        } catch {
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
        measureQueueDepth()
        logger.info("tick", metadata: [
            "tick.instant": "\(instant)", "tick.queued": "\(summary.queued)", "tick.holdout": "\(summary.recorded[.holdout] ?? 0)",
            "tick.skipped": "\(summary.recorded[.skipped] ?? 0)", "tick.unchanged": "\(summary.unchanged)",
            "tick.seconds": "\(String(format: "%.2f", summary.seconds))",
        ])
        return summary
    }

    /// Sends everything due now; returns when nothing is due or `shouldStop` says so (in-flight
    /// sends always finish).
    public func dispatchDue(shouldStop: @escaping @Sendable () -> Bool = { false }) async throws -> DispatchSummary {
        let summary = try await dispatcher.drain(policy: configuration.policy, shouldStop: shouldStop)
        measureQueueDepth()
        return summary
    }

    /// The last tick: its instant, when it ended and its error, or nil before the first.
    public var lastTick: TickRecord? { lastTickRecord.withLock { $0 } }

    /// Updates the queue depth gauge (a count over the `send_due` index).
    private func measureQueueDepth() {
        do {
            EngineMetrics.queueDepth(try dispatcher.dueCount())
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
