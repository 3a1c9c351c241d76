import ArgumentParser
import CampaignConfig
import CustomerStore
import Daemon
import Engine
import Evaluation
import Foundation

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
            let config = try root.global.loadConfig(for: "run")
            guard FileManager.default.fileExists(atPath: config.storePath) || !once else {
                throw CommandFailure("no store at \(config.storePath)", hint: "import customers first: campaignd import customers FILE")
            }
            guard once || (!noDispatch && at == nil) else {
                throw CommandFailure("--no-dispatch and --at go with --once")
            }
            var instant: Int64?
            if let at {
                guard let parsed = InstantText.parse(at, businessTimeZone: config.timeZone) else {
                    throw CommandFailure("--at '\(at)' is not a date or time", hint: "write 2026-11-20T09:30 or 2026-11-20T07:30:00Z")
                }
                instant = parsed
            }
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
        let time = InstantText.local(instant, in: engine.configuration.runtime.businessTimeZone)
        print("tick at \(time): queued \(tick.queued), holdout \(tick.recorded[.holdout] ?? 0), skipped \(tick.recorded[.skipped] ?? 0), unchanged \(tick.unchanged) (\(String(format: "%.2f", tick.seconds)) s)")
        guard !noDispatch else { return }
        let recovered = try await engine.dispatcher.recoverInFlight()
        let sent = try await engine.dispatchDue()
        let later = try engine.store.sendLog.queuedCount()
        print("dispatched: sent \(sent.sent), retried \(sent.retried), failed \(sent.failed), skipped \(sent.skipped), held \(sent.held)"
            + (recovered > 0 ? ", resent after a crash \(recovered)" : "") + "; \(later) queued for later")
    }
}
