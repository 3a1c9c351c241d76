import Engine
import Foundation
import ServiceLifecycle
import Testing
import TestSupport

@Suite("the dispatch service's wait between rounds")
struct DispatchWakeTests {
    @Test("waits of zero seconds (rows due now, a failed round) lose no wake-up: 2,000 rounds, then a graceful shutdown")
    func zeroSecondWaits() async throws {
        // Before: when the sleep ended before the task waiting for a poke had begun, the poke
        // that should end that task was lost, and the round hung until a tick poked again; with
        // no tick (or at shutdown) for ever. Found by FullDiskTests, whose daemon started on a
        // full disk stopped after five rounds.
        let fx = try EngineFixture()
        try fx.customers(3)
        let configuration = try fx.configuration(rules: #"rule "r" { when consent email  send email "x"  limit once }"#)
        let clock = SteppingClock(fx.clock.now(), sleeps: .max)
        let engine = try Engine(store: fx.store, clock: clock, logger: fx.logger, loader: { configuration })
        try engine.tick(at: engine.scheduledInstant(atOrBefore: clock.now()))
        let dispatch = DispatchService(engine: engine, pollSeconds: 0)
        let group = ServiceGroup(services: [dispatch], logger: fx.logger)
        let running = Task { try await group.run() }
        // Only a guard against hanging the suite: 2,000 rounds take a few seconds even when busy.
        let started = ContinuousClock.now
        while clock.sleepCount < 2000 && ContinuousClock.now - started < .seconds(300) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let rounds = clock.sleepCount
        #expect(rounds >= 2000, "the service stopped after \(rounds) rounds: a wake-up was lost")
        guard rounds >= 2000 else { return }  // the shutdown would hang too
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(fx.email.deliveries.count == 3)
    }
}
