import ArgumentParser
import CampaignConfig
import CustomerStore
import Engine
import Evaluation
import Foundation
import HTTPListener
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SystemdNotify
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `campaignd run`: the daemon. `run --once`: one tick, then send what is due, then exit.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: tick on schedule and send (or, with --once, tick once and send what is due).")

    @ParentCommand var root: Campaignd

    @Flag(name: .long, help: "Tick once at the current scheduled instant, send what is due, and exit.")
    var once = false

    @Flag(name: .long, help: "With --once: record the tick's decisions but send nothing (benchmarks, staging).")
    var noDispatch = false

    @Option(name: .long, help: "With --once: tick at this instant instead of the current one (2026-11-20T09:30 or ISO 8601).")
    var at: String?

    func run() async throws {
        try await failingCleanly {
            // SIGHUP's default action ends the process; ignore it before anyone can send one.
            signal(SIGHUP, SIG_IGN)
            let logger = root.global.makeLogger()
            // Metrics go to Prometheus (shown by the listener's /metrics); bootstrapped once, before the engine.
            let registry = PrometheusCollectorRegistry()
            if !once { MetricsSystem.bootstrap(Self.metricsFactory(registry)) }
            let configPath = root.global.config
            let config = try root.global.loadConfig()
            guard FileManager.default.fileExists(atPath: config.storePath) || !once else {
                throw CommandFailure("no store at \(config.storePath)", hint: "import customers first: campaignd import customers FILE")
            }
            let store = try CustomerStore(path: config.storePath, currency: config.currency, logger: logger)
            let engine: Engine
            do {
                engine = try Engine(store: store, logger: logger, loader: { try EngineLoader.load(configPath: configPath) })
            } catch let failure as EngineLoader.Failure {
                FileHandle.standardError.write(Data((failure.description + "\n").utf8))
                throw CommandFailure("cannot start: the configuration, rules or templates have errors", hint: "campaignd check shows each")
            }
            guard once || (!noDispatch && at == nil) else {
                throw CommandFailure("--no-dispatch and --at go with --once")
            }
            if once {
                var instant: Int64?
                if let at {
                    guard let parsed = InstantText.parse(at, businessTimeZone: config.timeZone) else {
                        throw CommandFailure("--at '\(at)' is not a date or time", hint: "write 2026-11-20T09:30 or 2026-11-20T07:30:00Z")
                    }
                    instant = parsed
                }
                try await runOnce(engine, at: instant)
            } else {
                let listener: HTTPListener?
                do {
                    listener = try HTTPListener.configured(config, engine: engine, registry: registry, logger: logger)
                } catch {
                    throw CommandFailure("cannot start the HTTP listener: \(error)")
                }
                try await runDaemon(engine, listener: listener, logger: logger)
            }
        }
    }

    private func runOnce(_ engine: Engine, at: Int64?) async throws {
        let instant = at ?? engine.scheduledInstant(atOrBefore: engine.clock.now())
        let tick = try engine.tick(at: instant)
        let time = InstantText.local(instant, in: engine.configuration.runtime.businessTimeZone)
        print("tick at \(time): queued \(tick.queued), holdout \(tick.recorded[.holdout] ?? 0), skipped \(tick.recorded[.skipped] ?? 0), unchanged \(tick.unchanged) (\(String(format: "%.2f", tick.seconds)) s)")
        guard !noDispatch else { return }
        let recovered = try engine.dispatcher.recoverInFlight()
        let sent = try await engine.dispatchDue()
        let later = try engine.store.sendLog.queuedCount()
        print("dispatched: sent \(sent.sent), retried \(sent.retried), failed \(sent.failed), skipped \(sent.skipped), held \(sent.held)"
            + (recovered > 0 ? ", resent after a crash \(recovered)" : "") + "; \(later) queued for later")
    }

    /// Prometheus behind swift-metrics; tick durations get buckets from 10 ms to 10 minutes.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["campaignd_tick_duration_seconds"] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        ]
        return factory
    }

    private func runDaemon(_ engine: Engine, listener: HTTPListener?, logger: Logger) async throws {
        let notifier = SystemdNotifier()
        let dispatch = DispatchService(engine: engine)
        let ticks = TickService(engine: engine, afterTick: { dispatch.poke() })
        let reload = ReloadService(engine: engine, notifier: notifier, signals: await UnixSignalsSequence(trapping: .sighup))
        let watchdog = WatchdogService(engine: engine, notifier: notifier)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: dispatch), .init(service: ticks), .init(service: reload), .init(service: watchdog),
        ]
        if let listener { services.append(.init(service: listener)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        notifier.ready()
        notifier.status("running: \(engine.configuration.runtime.ruleSet.rules.count) rules")
        logger.notice("running", metadata: [
            "rules": "\(engine.configuration.runtime.ruleSet.rules.count)", "tick": "\(engine.configuration.tickSeconds)s",
        ])
        let stopping = Task {
            // STOPPING=1 as soon as a stop signal arrives, before in-flight sends finish.
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                notifier.stopping()
                break
            }
        }
        defer { stopping.cancel() }
        try await group.run()
        notifier.stopping()
        logger.notice("stopped")
    }
}
