import ArgumentParser
import CampaignConfig
import CustomerStore
import Daemon
import Engine
import Evaluation
import Foundation
import Logging
import PostgresStore

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

    @Option(name: .long, help: "With --once: tick and send as of this instant instead of now (2026-11-20T09:30 or ISO 8601).")
    var at: String?

    func run() async throws {
        try await failingCleanly {
            // SIGHUP's default action ends the process; ignore it before anyone can send one.
            signal(SIGHUP, SIG_IGN)
            let logger = root.global.makeLogger()
            // Metrics go to Prometheus (shown by the listener's /metrics); bootstrapped once, before the engine.
            let metrics = DaemonMetrics()
            if !once { metrics.bootstrap() }
            let configPath = root.global.config
            let anyStore = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = anyStore.store, once {
                try await runOnceOnPostgres(anyStore, settings, logger: logger)
                return
            }
            let config = try root.global.loadConfig(for: "run")
            guard FileManager.default.fileExists(atPath: config.storePath) || !once else {
                throw CommandFailure("no store at \(config.storePath)", hint: "import customers first: campaignd import customers FILE")
            }
            guard once || (!noDispatch && at == nil) else {
                throw CommandFailure("--no-dispatch and --at go with --once")
            }
            let instant = try atInstant(config)
            let store = try CustomerStore(path: config.storePath, currency: config.currency, logger: logger)
            let engine: Engine
            do {
                // With --at the whole run happens as of that instant: the tick, and the dispatch
                // that records the deliveries (so `received` reads them as of then).
                let clock: any EngineClock = instant.map { ShiftedClock(startingAt: Double($0)) } ?? SystemClock()
                engine = try RuntimeLoader.engine(store: store, configPath: configPath, logger: logger, clock: clock)
            } catch let failure as RuntimeLoader.Failure {
                FileHandle.standardError.write(Data((failure.description + "\n").utf8))
                throw CommandFailure("cannot start: the configuration, rules or templates have errors", hint: "campaignd check shows each")
            }
            if once {
                try await runOnce(engine, at: instant)
            } else {
                let daemon: Daemon
                do {
                    daemon = try Daemon(engine: engine, config: config, metrics: metrics, logger: logger)
                } catch {
                    throw CommandFailure("cannot start the HTTP listener: \(error)")
                }
                try await daemon.run()
            }
        }
    }

    private func runOnce(_ engine: Engine, at: Int64?) async throws {
        let instant = at ?? engine.scheduledInstant(atOrBefore: engine.clock.now())
        let tick = try engine.tick(at: instant)
        printTick(tick, businessTimeZone: engine.configuration.runtime.businessTimeZone)
        guard !noDispatch else { return }
        let recovered = try await engine.dispatcher.recoverInFlight()
        let sent = try await engine.dispatchDue()
        let later = try engine.store.sendLog.queuedCount()
        printDispatch(sent, recovered: recovered, later: later)
    }

    /// The instant `--at` names, or nil without it.
    private func atInstant(_ config: Config) throws -> Int64? {
        guard let at else { return nil }
        guard let parsed = InstantText.parse(at, businessTimeZone: config.timeZone) else {
            throw CommandFailure("--at '\(at)' is not a date or time", hint: "write 2026-11-20T09:30 or 2026-11-20T07:30:00Z")
        }
        return parsed
    }

    private func printTick(_ tick: Outbox.TickSummary, businessTimeZone: TimeZone) {
        let time = InstantText.local(tick.instant, in: businessTimeZone)
        print("tick at \(time): queued \(tick.queued), holdout \(tick.recorded[.holdout] ?? 0), skipped \(tick.recorded[.skipped] ?? 0), unchanged \(tick.unchanged) (\(String(format: "%.2f", tick.seconds)) s)")
    }

    private func printDispatch(_ sent: DispatchSummary, recovered: Int, later: Int) {
        print("dispatched: sent \(sent.sent), retried \(sent.retried), failed \(sent.failed), skipped \(sent.skipped), held \(sent.held)"
            + (recovered > 0 ? ", resent after a crash \(recovered)" : "") + "; \(later) queued for later")
    }

    /// `run --once` on a PostgreSQL store: the tick under the store's tick lock (rules only so
    /// far, `PostgresOutbox`), then the dispatch with leased claims (`PostgresDispatchStore`), so
    /// it may run beside other daemons on the same store. Rows another dispatcher left in flight
    /// are resent only once their lease has run out.
    private func runOnceOnPostgres(_ config: Config, _ postgres: PostgresSettings, logger: Logger) async throws {
        let instant = try atInstant(config)
        let loaded: EngineConfiguration
        do {
            loaded = try RuntimeLoader.load(configPath: root.global.config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw CommandFailure("cannot start: the configuration, rules or templates have errors", hint: "campaignd check shows each")
        }
        do {
            try PostgresOutbox.check(loaded.runtime.ruleSet)
        } catch let unsupported as PostgresOutbox.Unsupported {
            throw CommandFailure(
                "\(unsupported.description) (the config's store is \(postgres.description))",
                hint: "plan, explain, log and report read such rules on PostgreSQL; run them on a SQLite store meanwhile")
        }
        let clock: any EngineClock = instant.map { ShiftedClock(startingAt: Double($0)) } ?? SystemClock()
        let now = instant ?? Int64(clock.now()) / loaded.tickSeconds * loaded.tickSeconds
        try await root.global.withPostgresStore(postgres, currency: config.currency) { store in
            let tick: Outbox.TickSummary?
            do {
                tick = try await PostgresOutbox(store: store, clock: clock).tick(ruleSet: loaded.runtime.ruleSet, settings: loaded.settings(at: now))
            } catch {
                throw store.explaining(error, operation: "tick")
            }
            if let tick {
                printTick(tick, businessTimeZone: loaded.runtime.businessTimeZone)
            } else {
                print("tick at \(InstantText.local(now, in: loaded.runtime.businessTimeZone)): another daemon is ticking this store; not ticked here")
            }
            guard !noDispatch else { return }
            let dispatcher = Dispatcher(
                store: PostgresDispatchStore(store: store, leaseSeconds: config.dispatch.lease.components.seconds),
                policy: loaded.policy, clock: clock, logger: logger,
                runtime: { loaded.runtime })
            let recovered = try await dispatcher.recoverInFlight()
            let sent = try await dispatcher.drain(policy: loaded.policy)
            let later: Int
            do {
                later = try await store.queuedCount()
            } catch {
                throw store.explaining(error, operation: "count the queued sends")
            }
            printDispatch(sent, recovered: recovered, later: later)
        }
    }
}
