import Engine
import ServiceLifecycle

/// Writes the daemon's heartbeat into a store several daemons share (PostgreSQL), every
/// `EngineStore.heartbeatSeconds`, and signs off at a graceful shutdown; `campaignd status`
/// lists the daemons from it. A store with one daemon (SQLite) keeps none: the service then
/// waits for the shutdown. A failed beat is logged (once until one succeeds) and tried again
/// at the next interval.
public struct HeartbeatService: Service {
    let engine: Engine
    /// campaignd's version, shown by `status`.
    let version: String
    /// Whether the daemon has a listener (whose address `http` gives once it is bound).
    let listens: Bool
    /// The listener's address, once it is bound.
    let http: @Sendable () -> String?

    public init(engine: Engine, version: String, listens: Bool = false, http: @escaping @Sendable () -> String? = { nil }) {
        self.engine = engine
        self.version = version
        self.listens = listens
        self.http = http
    }

    public func run() async throws {
        guard let interval = engine.store.heartbeatSeconds else {
            try? await gracefulShutdown()
            return
        }
        var failing = false
        while !Task.isShuttingDownGracefully {
            let address = http()
            do {
                try await engine.store.heartbeat(version: version, http: address)
                failing = false
            } catch {
                if !failing {
                    engine.logger.warning("heartbeat not written; trying again", metadata: ["heartbeat.error": "\(error)"])
                }
                failing = true
            }
            // Until the listener is bound, beat again soon: the next beat names its address.
            let wait = listens && address == nil ? min(0.2, interval) : interval
            do {
                try await cancelWhenGracefulShutdown { try await engine.clock.sleep(seconds: wait) }
            } catch {
                break
            }
        }
        do {
            try await engine.store.signOff()
        } catch {
            engine.logger.warning("sign-off not written", metadata: ["heartbeat.error": "\(error)"])
        }
    }
}
