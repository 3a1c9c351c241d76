import Foundation
import Synchronization
import Testing

@Suite("a flood of bad unsubscribe requests")
struct FloodTests {
    /// Resident set size of this process, in bytes (/proc/self/statm, second field, in pages).
    static func residentBytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = try #require(Int(text.split(separator: " ")[1]))
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Sends `count` forged POSTs, `parallel` at a time; returns the status codes seen.
    static func flood(_ client: HTTPTestClient, base: String, count: Int, parallel: Int, token: String) async -> [Int: Int] {
        await withTaskGroup(of: Int.self) { group in
            var statuses: [Int: Int] = [:]
            var sent = 0
            func add() {
                let index = sent
                sent += 1
                let url = index % 3 == 0 ? "\(base)/unsubscribe/\(token)\(index % 10)" : "\(base)/unsubscribe/bad.\(index)"
                group.addTask { await client.post(url).status }
            }
            while sent < min(parallel, count) { add() }
            for await status in group {
                statuses[status, default: 0] += 1
                if sent < count { add() }
            }
            return statuses
        }
    }

    @Test("10,000 forged requests while ticks run: all 404, ticks complete, memory does not grow, nothing written")
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
            // Warm up (connections, caches, the allocator's arenas) before the baseline.
            _ = await Self.flood(client, base: base, count: 1000, parallel: 32, token: forged)
            let before = try Self.residentBytes()
            ticker.start()
            let statuses = await Self.flood(client, base: base, count: 10_000, parallel: 32, token: forged)
            let after = try Self.residentBytes()
            stop.store(true, ordering: .relaxed)
            #expect(statuses == [404: 10_000])
            let growth = after - before
            #expect(growth < 48 << 20, "RSS grew by \(growth >> 20) MiB over 10,000 requests")
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
