import Foundation
import Synchronization
import Testing
import TestSupport

/// The listener in this process under a flood while a thread of the test ticks, holding the
/// store's write transaction as a tick does. Whether memory grows is measured on a running
/// daemon (`DaemonTests.flood`): this process's resident size counts every test running beside it.
@Suite("a flood of bad unsubscribe requests")
struct FloodTests {
    @Test("10,000 forged requests while ticks run: all 404, ticks complete, nothing written")
    func flood() async throws {
        let fx = try ListenerFixture(customers: 1000)
        let client = HTTPTestClient(connections: 16)
        // A genuine token with its last characters changed: verified and rejected.
        let forged = String(fx.token.sign(externalID: "C1", channel: .email).dropLast(2))
        let ticks = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let ticker = Thread {
            while !stop.load(ordering: .relaxed) {
                do {
                    try fx.tickNextBlocking()
                    ticks.add(1, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        try await fx.withListener { base in
            // Warm up (connections) before the ticks start.
            _ = await client.floodUnsubscribe(base: base, count: 1000, parallel: 32, forged: forged)
            ticker.start()
            let statuses = await client.floodUnsubscribe(base: base, count: 10_000, parallel: 32, forged: forged)
            stop.store(true, ordering: .relaxed)
            #expect(statuses == [404: 10_000])
            // Ticks went on during the flood; one more after it completes.
            while ticker.isExecuting { try await Task.sleep(for: .milliseconds(20)) }
            #expect(ticks.load(ordering: .relaxed) >= 1)
            try await fx.tickNext()
            let health = try await client.get("\(base)/healthz")
            #expect(health.status == 200)
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
    }
}
