import CampaignConfig
import Engine
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
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
    let idleTimeout: Duration

    /// The longest request head (request line and header fields) and any one header field; a
    /// longer one answers 400 and the connection closes. Browsers and mail providers send well
    /// under 4 KiB.
    static let maximumHead = 16 * 1024
    static let maximumHeaderField = 8 * 1024
    /// The longest request body read before the connection is closed (the unsubscribe route
    /// answers 413 above its own 1 KiB).
    static let maximumBody = 16 * 1024
    /// How long a kept-alive connection may wait for its next request's head.
    public static let idleTimeout: Duration = .seconds(30)

    /// - Parameters:
    ///   - unsubscriber: nil when the config has no unsubscribe secret: `/unsubscribe/…` answers 404.
    ///   - registry: what `/metrics` shows (the registry behind the process's `MetricsSystem`).
    ///   - onBound: called with the port once the listener accepts connections (port 0 picks one).
    ///   - idleTimeout: how long a connection may send nothing (`HTTPListener.idleTimeout`; tests
    ///     that hold connections open on a loaded machine set it longer).
    public init(
        address: Config.HTTPListen, engine: Engine, unsubscriber: Unsubscriber?, registry: PrometheusCollectorRegistry,
        logger: Logger, onBound: @escaping @Sendable (Int) -> Void = { _ in }, idleTimeout: Duration = HTTPListener.idleTimeout
    ) {
        self.idleTimeout = idleTimeout
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
        let address = self.address, logger = self.logger, onBound = self.onBound, idleTimeout = self.idleTimeout
        let connections = Self.connectionLimit(wanted: address.maxConnections, logger: logger)
        let requestTimeout = TimeAmount(address.requestTimeout)
        let closed = [RequestDeadlineHandler.Reason.timeout, .bodyTooLarge].map { reason in
            registry.makeCounter(
                name: "campaignd_http_connections_closed_total", labels: [("reason", reason == .timeout ? "request_timeout" : "body_too_large")])
        }
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                RequestDeadlineHandler(timeout: requestTimeout, maximumBody: Self.maximumBody) { closed[$0 == .timeout ? 0 : 1].increment() }
            ],
            idleTimeout: TimeAmount(idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: Self.maximumHeaderField, maxHeaderListSize: Self.maximumHead, maxHeaderFieldCount: 100))
        let application = Application(
            router: router,
            server: .http1(configuration: http1),
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil, backlog: 1024,
                availableConnectionsDelegate: MaximumAvailableConnections(connections, logger: logger)),
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
