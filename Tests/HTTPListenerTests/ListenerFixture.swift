import CampaignConfig
@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import HTTPListener
import Logging
import Metrics
import Prometheus
import RuleLanguage
import ServiceLifecycle
import Testing
import TestSupport
import Unsubscribe

/// The process's metrics backend: bootstrapped once, shared by every test here.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// A store with customers `C1…` (email and webhook consent), an engine over recording
/// channels with one email and one webhook rule, and the HTTP listener on a free loopback port.
struct ListenerFixture {
    static let secret = Array("listener-test-secret-0123456789".utf8)
    static let rules = """
        rule "mail" { when consent email  send email "hello"  limit once per 1 days }
        rule "hook" { when consent webhook  send webhook "crm"  limit once per 1 days }
        """
    let directory: String
    let store: CustomerStore
    let clock = ManualClock(Double(ISO8601DateFormatter().date(from: "2026-11-20T10:00:00Z")!.timeIntervalSince1970))
    let email = RecordingChannel()
    let webhook = RecordingChannel()
    let engine: Engine
    let token: UnsubscribeToken
    var logger: Logger { Logger(label: "test") }

    /// - Parameter directory: where the store lives (a `SmallDisk`); a new temporary directory by default.
    init(customers: Int = 3, directory: String? = nil) throws {
        _ = TestMetrics.registry
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        store = try CustomerStore(path: "\(self.directory)/store.sqlite", currency: "EUR")
        let fixture = try StoreFixture(store: store)
        let ids = (0..<customers).map { "C\($0 + 1)" }
        try fixture.customers(ids.enumerated().map { index, id in
            StoreFixture.Customer(id, email: "c\(index + 1)@example.fi", name: "Name \(index + 1)")
        })
        try fixture.consents(ids.flatMap { [StoreFixture.Consent($0, "email", at: 0), StoreFixture.Consent($0, "webhook", at: 0)] })
        let check = RuleSetLoader.check([SourceFile(name: "test.rules", text: Self.rules)], environment: nil)
        let ruleSet = try #require(check.ruleSet)
        let runtime = EngineRuntime(
            ruleSet: ruleSet, channels: [.email: email, .webhook: webhook], businessTimeZone: TimeZone(identifier: "UTC")!,
            currency: "EUR", defaultEmailQuietHours: nil)
        let configuration = EngineConfiguration(
            runtime: runtime, policy: DispatchPolicy(concurrency: 4, ratePerSecond: [:], retry: RetryPolicy(initialDelay: 60, maxDelay: 600, maxAge: 86_400)),
            tickSeconds: 300, contactPressureMessages: 1000, contactPressureDays: 7, slices: 1)
        engine = try Engine(store: store, clock: clock, logger: Logger(label: "test"), loader: { configuration })
        token = try UnsubscribeToken(secret: Self.secret)
    }

    var unsubscriber: Unsubscriber {
        Unsubscriber(token: token, store: store, now: { [clock] in clock.now() }, logger: logger)
    }

    /// Ticks at the next scheduled instant after moving the clock there.
    @discardableResult
    func tickNext() async throws -> Outbox.TickSummary {
        clock.advance(Double(engine.configuration.tickSeconds))
        return try await engine.tick(at: engine.scheduledInstant(atOrBefore: clock.now()))
    }

    /// `tickNext` on the calling thread, without the engine's logging and metrics: a thread of
    /// the test's own holds the store's write transaction as a tick does.
    func tickNextBlocking() throws {
        clock.advance(Double(engine.configuration.tickSeconds))
        let configuration = engine.configuration
        let instant = engine.scheduledInstant(atOrBefore: clock.now())
        try Outbox(store: store, clock: clock, logger: logger).tick(
            ruleSet: configuration.runtime.ruleSet, settings: configuration.settings(at: instant), slices: configuration.slices)
    }

    func count(_ sql: String) throws -> Int {
        try store.database.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    /// Runs `body` with the listener accepting on `http://127.0.0.1:PORT`, then shuts it down
    /// gracefully. A listener that does not start fails the test. `listen` sets its limits (its
    /// host and port are ignored), `idleTimeout` how long a connection may send nothing.
    func withListener(
        unsubscribe: Bool = true, listen: Config.HTTPListen = .default, idleTimeout: Duration = HTTPListener.idleTimeout,
        _ body: (String) async throws -> Void
    ) async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var address = listen
        (address.host, address.port) = ("127.0.0.1", 0)
        let listener = HTTPListener(
            address: address, engine: engine,
            unsubscriber: unsubscribe ? unsubscriber : nil, registry: TestMetrics.registry, logger: logger,
            onBound: { portContinuation.yield($0); portContinuation.finish() }, idleTimeout: idleTimeout)
        let group = ServiceGroup(services: [listener], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { portContinuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next(), "the listener did not start")
            do {
                try await body("http://127.0.0.1:\(port)")
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
