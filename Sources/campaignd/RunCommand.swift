import ArgumentParser
import CampaignConfig
import CustomerStore
import Daemon
import Engine
import Evaluation
import Foundation
import Logging
import PostgresStore
import SystemdNotify

#if canImport(Glibc)
    import Glibc
#endif

/// `campaignd run`: the daemon. `run --once`: one tick, then send what is due, then exit. On a
/// PostgreSQL store several may run at once: one ticks at a time (`PostgresOutbox`), all send,
/// each claim leased to the daemon that made it (`PostgresEngineStore`).
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
            let config = try root.global.loadConfigAnyStore()
            guard once || (!noDispatch && at == nil) else {
                throw CommandFailure("--no-dispatch and --at go with --once")
            }
            let instant = try atInstant(config)
            // With --at the whole run happens as of that instant: the tick, and the dispatch
            // that records the deliveries (so `received` reads them as of then).
            let clock: any EngineClock = instant.map { ShiftedClock(startingAt: Double($0)) } ?? SystemClock()
            let migrations = once ? nil : Self.keepingSystemdWaiting()
            switch config.store {
            case .sqlite(let path):
                guard FileManager.default.fileExists(atPath: path) || !once else {
                    throw CommandFailure("no store at \(path)", hint: "import customers first: campaignd import customers FILE")
                }
                let store = try CustomerStore(path: path, currency: config.currency, logger: logger, migrations: migrations)
                try await run(engine(store: store, clock: clock, logger: logger), config: config, metrics: metrics, at: instant, logger: logger)
            case .postgres(let settings):
                try await root.global.withPostgresStore(settings, currency: config.currency, migrations: migrations) { postgres in
                    // Several daemons may share this store: claims are leased to this one.
                    let store = PostgresEngineStore(store: postgres, leaseSeconds: config.dispatch.lease.components.seconds)
                    try await run(engine(store: store, clock: clock, logger: logger), config: config, metrics: metrics, at: instant, logger: logger)
                }
            }
        }
    }

    /// While the store's migrations run (before READY=1), systemd is asked every 10 s to wait
    /// 30 s more, so a migration of a large store does not outlast `TimeoutStartSec=` and get the
    /// daemon killed and restarted into the same migration.
    private static func keepingSystemdWaiting() -> MigrationWatch {
        let extension_ = StartTimeoutExtension(notifier: SystemdNotifier())
        return MigrationWatch(
            started: { pending in extension_.begin(status: "migrating the store: \(pending) migration\(pending == 1 ? "" : "s")") },
            ended: { extension_.end() })
    }

    /// The engine over `store`, or the command's end when the configuration, rules or templates
    /// have errors.
    private func engine(store: any EngineStore, clock: any EngineClock, logger: Logger) throws -> Engine {
        do {
            return try RuntimeLoader.engine(store: store, configPath: root.global.config, logger: logger, clock: clock)
        } catch let failure as RuntimeLoader.Failure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw CommandFailure("cannot start: the configuration, rules or templates have errors", hint: "campaignd check shows each")
        }
    }

    /// `--once`: one tick and the dispatch; else the daemon until SIGTERM.
    private func run(_ engine: Engine, config: Config, metrics: DaemonMetrics, at instant: Int64?, logger: Logger) async throws {
        if once {
            try await runOnce(engine, at: instant)
            return
        }
        let daemon: Daemon
        do {
            daemon = try Daemon(engine: engine, config: config, metrics: metrics, logger: logger, version: Version.line)
        } catch {
            throw CommandFailure("cannot start the HTTP listener: \(error)")
        }
        try await daemon.run()
    }

    private func runOnce(_ engine: Engine, at: Int64?) async throws {
        let instant = at ?? engine.scheduledInstant(atOrBefore: engine.clock.now())
        let tick = try await engine.tick(at: instant)
        let zone = engine.configuration.runtime.businessTimeZone
        if tick.tickedElsewhere {
            print("tick at \(InstantText.local(instant, in: zone)): another daemon is ticking this store; not ticked here")
        } else {
            printTick(tick, businessTimeZone: zone)
        }
        guard !noDispatch else { return }
        let recovered = try await engine.dispatcher.recoverInFlight()
        let sent = try await engine.dispatchDue()
        let later: Int
        do {
            later = try await engine.store.queuedCount()
        } catch {
            throw engine.store.explaining(error, operation: "count the queued sends")
        }
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
}
