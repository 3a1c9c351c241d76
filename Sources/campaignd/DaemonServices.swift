import Engine
import Foundation
import Logging
import ServiceLifecycle
import SystemdNotify
import UnixSignals

/// SIGHUP: reload config, rules and templates, all or nothing, telling systemd around it.
struct ReloadService: Service {
    let engine: Engine
    let notifier: SystemdNotifier
    let signals: UnixSignalsSequence

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                notifier.reloading()
                engine.logger.notice("SIGHUP: reloading config, rules and templates")
                do {
                    try engine.reload()
                    notifier.status("running; reloaded")
                } catch {
                    notifier.status("running the previous configuration; reload failed")
                }
                notifier.ready()
            }
        } onGracefulShutdown: {}
    }
}

/// Tells systemd's watchdog the daemon is alive, at half its interval, while the store answers.
struct WatchdogService: Service {
    let engine: Engine
    let notifier: SystemdNotifier

    func run() async throws {
        guard let interval = notifier.watchdogInterval else {
            // No watchdog configured: stay until shutdown (a service that returns stops the group).
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            if (try? await engine.store.ping()) != nil {
                notifier.watchdog()
            } else {
                engine.logger.error("watchdog: the store does not answer; not pinging")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
