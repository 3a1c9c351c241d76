import Engine
import ServiceLifecycle
import SystemdNotify
import UnixSignals

/// SIGHUP: reload config, rules and templates, all or nothing, telling systemd around it.
public struct ReloadService: Service {
    let engine: Engine
    let notifier: SystemdNotifier
    let signals: UnixSignalsSequence

    /// Reloads `engine` on each signal of `signals` (SIGHUP), bracketed by RELOADING=1 and READY=1.
    public init(engine: Engine, notifier: SystemdNotifier, signals: UnixSignalsSequence) {
        self.engine = engine
        self.notifier = notifier
        self.signals = signals
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                notifier.reloading()
                engine.logger.notice("SIGHUP: reloading config, rules and templates")
                do {
                    try await engine.reload()
                    notifier.status("running; reloaded")
                } catch {
                    notifier.status("running the previous configuration; reload failed")
                }
                notifier.ready()
            }
        } onGracefulShutdown: {}
    }
}
