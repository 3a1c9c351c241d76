import CampaignConfig
import Engine
import HTTPListener
import Logging
import ServiceLifecycle
import Synchronization
import SystemdNotify
import UnixSignals

/// The daemon: the engine's services (dispatch, ticks, reload, watchdog, heartbeat) and the HTTP
/// listener in one service group, with systemd told READY, STATUS and STOPPING.
///
/// SIGTERM and SIGINT shut the group down gracefully (in-flight sends finish); SIGHUP reloads.
/// The executable ignores SIGHUP before it builds the engine, so an early one does not end it.
public struct Daemon {
    public let engine: Engine
    /// The listener the config's `http` section describes, or nil when there is none.
    public let listener: HTTPListener?
    let notifier: SystemdNotifier
    let logger: Logger
    /// campaignd's version, in the heartbeat `status` reads.
    let version: String
    /// The listener's address once it is bound (port 0 picks one), in the heartbeat.
    let httpAddress: BoundAddress

    /// Sets up the listener from `config`, showing `metrics` on `/metrics`.
    ///
    /// - Throws: `ChannelSetupError` when the listener's unsubscribe settings are invalid.
    public init(
        engine: Engine, config: Config, metrics: DaemonMetrics, logger: Logger, version: String = "",
        notifier: SystemdNotifier = SystemdNotifier()
    ) throws {
        self.engine = engine
        let httpAddress = BoundAddress()
        self.listener = try HTTPListener.configured(
            config, engine: engine, registry: metrics.registry, logger: logger,
            onBound: { [host = config.http?.host ?? ""] port in httpAddress.value.withLock { $0 = "\(host):\(port)" } })
        self.httpAddress = httpAddress
        self.notifier = notifier
        self.logger = logger
        self.version = version
    }

    /// Runs until SIGTERM or SIGINT, then lets the services finish.
    public func run() async throws {
        let dispatch = DispatchService(engine: engine)
        let ticks = TickService(engine: engine, afterTick: { dispatch.poke() })
        let reload = ReloadService(engine: engine, notifier: notifier, signals: await UnixSignalsSequence(trapping: .sighup))
        let watchdog = WatchdogService(engine: engine, notifier: notifier)
        let heartbeat = HeartbeatService(
            engine: engine, version: version, listens: listener != nil, http: { [httpAddress] in httpAddress.value.withLock { $0 } })
        // Graceful shutdown runs in reverse order: the heartbeat signs off after the in-flight
        // sends finish.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: heartbeat), .init(service: dispatch), .init(service: ticks), .init(service: reload),
            .init(service: watchdog),
        ]
        if let listener { services.append(.init(service: listener)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        // Stop signals are trapped before READY=1: one that arrives before the group traps its
        // own (systemd may stop the unit as soon as it is ready) would otherwise end the process
        // by its default action. The group takes a shutdown asked for before it runs.
        let stopSignals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let stopping = Task { [notifier] in
            // STOPPING=1 as soon as a stop signal arrives, before in-flight sends finish.
            for await _ in stopSignals {
                notifier.stopping()
                await group.triggerGracefulShutdown()
                break
            }
        }
        notifier.ready()
        let ruleSet = engine.configuration.runtime.ruleSet
        notifier.status("running: \(ruleSet.summary)")
        logger.notice("running", metadata: [
            "rules": "\(ruleSet.rules.count)", "journeys": "\(ruleSet.journeys.count)",
            "tick": "\(engine.configuration.tickSeconds)s",
        ])
        defer { stopping.cancel() }
        try await group.run()
        notifier.stopping()
        logger.notice("stopped")
    }
}

/// The listener's `host:port` once it is bound.
final class BoundAddress: Sendable {
    let value = Mutex<String?>(nil)
}
