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
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: clock.now()))
        let dispatch = DispatchService(engine: engine, pollSeconds: 0)
        let group = ServiceGroup(services: [dispatch], logger: fx.logger)
        let running = Task { try await group.run() }
        // Only a guard against hanging the suite, and it must not mistake a starved service for a
        // hung one: tests that block the few cooperative threads can keep the service from
        // running for minutes on a busy machine (this test once saw no round in 740 s), and then
        // this loop is starved too. So it gives up only when the service made no round while this
        // loop itself ran 2,000 times (each 5 ms apart), and two minutes passed: a lost wake-up
        // hangs for ever, a starved service moves whenever the threads are free again.
        var lastRounds = -1
        var stalledPolls = 0
        var stalledSince = ContinuousClock.now
        while clock.sleepCount < 2000 && (stalledPolls < 2000 || ContinuousClock.now - stalledSince < .seconds(120)) {
            try await Task.sleep(for: .milliseconds(5))
            let rounds = clock.sleepCount
            if rounds != lastRounds {
                (lastRounds, stalledPolls, stalledSince) = (rounds, 0, ContinuousClock.now)
            } else {
                stalledPolls += 1
            }
        }
        let rounds = clock.sleepCount
        #expect(rounds >= 2000, "the service stopped after \(rounds) rounds: a wake-up was lost")
        guard rounds >= 2000 else { return }  // the shutdown would hang too
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(fx.email.deliveries.count == 3)
    }
}
