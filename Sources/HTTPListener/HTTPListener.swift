import CampaignConfig
import Engine
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle
import Unsubscribe

/// The daemon's HTTP listener, one more service in its group (graceful shutdown with the
/// others): `GET`/`POST /unsubscribe/{token}` (RFC 8058 one-click), `GET /healthz` and
/// `GET /metrics` (Prometheus text). Bound to loopback by default, behind the shop's reverse
/// proxy, which should expose only `/unsubscribe/` (docs/operations.md).
public struct HTTPListener: Service {
    let address: Config.HTTPListen
    let engine: Engine
    let unsubscriber: Unsubscriber?
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let onBound: @Sendable (Int) -> Void

    /// Connections open at once; more wait in the kernel's backlog. A flood of requests queues
    /// here instead of growing memory.
    static let maximumConnections = 64

    /// - Parameters:
    ///   - unsubscriber: nil when the config has no unsubscribe secret: `/unsubscribe/…` answers 404.
    ///   - registry: what `/metrics` shows (the registry behind the process's `MetricsSystem`).
    ///   - onBound: called with the port once the listener accepts connections (port 0 picks one).
    public init(
        address: Config.HTTPListen, engine: Engine, unsubscriber: Unsubscriber?, registry: PrometheusCollectorRegistry,
        logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.address = address
        self.engine = engine
        self.unsubscriber = unsubscriber
        self.registry = registry
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let router = Router()
        UnsubscribeRoutes(unsubscriber: unsubscriber).add(to: router)
        router.get("healthz") { _, _ in await HealthReport.make(engine: engine).response }
        router.get("metrics") { [registry] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let address = self.address, logger = self.logger, onBound = self.onBound
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(Self.maximumConnections, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.notice("HTTP listener running", metadata: ["http.address": "\(address.host):\(port)"])
                onBound(port)
            },
            logger: logger)
        do {
            try await application.run()
        } catch {
            throw HTTPListenerError(address: address, reason: "\(error)")
        }
    }
}
