@testable import CustomerStore
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Testing
import TestSupport

@Suite("graceful shutdown")
struct ShutdownTests {
    @Test("on shutdown the dispatcher claims nothing new and lets in-flight sends finish")
    func inFlightSendsFinish() async throws {
        let fx = try EngineFixture()
        try fx.customers(20)
        let slow = RecordingChannel(store: fx.store, delay: .milliseconds(400))
        var configuration = try fx.configuration(rules: #"rule "r" { when consent email  send email "x"  limit once }"#, concurrency: 4)
        configuration = EngineConfiguration(
            runtime: EngineRuntime(
                ruleSet: configuration.runtime.ruleSet, channels: [.email: slow],
                businessTimeZone: configuration.runtime.businessTimeZone, currency: "EUR", defaultEmailQuietHours: nil),
            policy: configuration.policy, tickSeconds: 300, contactPressureMessages: 100, contactPressureDays: 7, slices: 1)
        // The real clock: the channel's delay must really pass while shutdown is requested.
        let engine = try Engine(store: fx.store, logger: fx.logger, loader: { [configuration] in configuration })
        try await engine.tick(at: Int64(Date().timeIntervalSince1970))
        let dispatch = DispatchService(engine: engine, pollSeconds: 0.05)
        let group = ServiceGroup(services: [dispatch], logger: fx.logger)
        let running = Task { try await group.run() }
        // Wait until the first sends are in the channel's hands, then ask for shutdown.
        while try fx.count("SELECT count(*) FROM send WHERE status = 'in_flight'") == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        let inFlight = try fx.count("SELECT count(*) FROM send WHERE status = 'in_flight'")
        let sent = try fx.count("SELECT count(*) FROM send WHERE status = 'sent'")
        let queued = try fx.count("SELECT count(*) FROM send WHERE status = 'queued'")
        #expect(inFlight == 0, "every claimed send finished")
        #expect(sent >= 1 && sent <= 8, "no new claims after shutdown was requested (sent \(sent))")
        #expect(sent + queued == 20)
        #expect(slow.deliveries.count == sent)
    }
}
