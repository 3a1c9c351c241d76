import Engine
import ServiceLifecycle
import SystemdNotify

/// Tells systemd's watchdog the daemon is alive, at half its interval, while the store answers.
public struct WatchdogService: Service {
    let engine: Engine
    let notifier: SystemdNotifier

    /// Pings through `notifier` at its watchdog interval; without one, waits for shutdown.
    public init(engine: Engine, notifier: SystemdNotifier) {
        self.engine = engine
        self.notifier = notifier
    }

    public func run() async throws {
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
