@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

@Suite("/healthz and /metrics")
struct HealthMetricsTests {
    @Test("/healthz: 200 with the store, the last tick and the rules once a tick has run")
    func health() async throws {
        let fx = try ListenerFixture()
        let client = HTTPTestClient()
        try await fx.withListener { base in
            var reply = try await client.get("\(base)/healthz")
            var json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            // Just started, no tick yet: healthy, last tick null.
            #expect(reply.status == 200 && json["status"] as? String == "ok")
            #expect(json["last_tick_at"] is NSNull && json["rules_loaded"] as? Int == 2 && json["store"] as? String == "ok")
            #expect(reply.headers["content-type"] == "application/json")

            try await fx.tickNext()
            reply = try await client.get("\(base)/healthz")
            json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            #expect(reply.status == 200 && json["last_tick_at"] as? String == "2026-11-20T10:05:00Z")
            #expect((json["problems"] as? [Any])?.isEmpty == true)

            // Ticks stop: after three intervals and a minute the daemon is unhealthy.
            fx.clock.advance(3 * 300 + 61)
            reply = try await client.get("\(base)/healthz")
            json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
            #expect(reply.status == 503 && json["status"] as? String == "failing")
            #expect((json["problems"] as? [String]) == ["the last tick is overdue"])
        }
    }

    @Test("/healthz on a full disk: 503 naming the store in last_tick_error, then last_dispatch_error; 200 again once space returns")
    func healthOnAFullDisk() async throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try ListenerFixture(directory: disk.path)
        let client = HTTPTestClient()
        let full = "\(fx.store.path): the disk is full"
        func health(_ base: String) async throws -> (status: Int, json: [String: Any]) {
            let reply = try await client.get("\(base)/healthz")
            return (reply.status, try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]))
        }
        func emptyWAL() throws {
            _ = try fx.store.database.writeWithoutTransaction { try Row.fetchAll($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        try await fx.withListener { base in
            try emptyWAL()
            try disk.fill()
            await #expect(throws: StoreError.self) { try await fx.tickNext() }
            var (status, json) = try await health(base)
            #expect(status == 503 && json["status"] as? String == "failing")
            #expect((json["last_tick_error"] as? String)?.contains(full) == true, "\(json)")
            #expect((json["problems"] as? [String])?.contains { $0.hasPrefix("the last tick failed: ") } == true)

            try disk.free()
            try await fx.tickNext()
            (status, json) = try await health(base)
            #expect(status == 200 && json["last_tick_error"] is NSNull, "\(json)")

            try emptyWAL()
            try disk.fill()
            await #expect(throws: StoreError.self) { try await fx.engine.dispatchDue() }
            (status, json) = try await health(base)
            #expect(status == 503 && (json["last_dispatch_error"] as? String)?.contains(full) == true, "\(json)")
            #expect((json["problems"] as? [String])?.contains { $0.hasPrefix("the dispatcher cannot write the store: ") } == true)

            try disk.free()
            _ = try await fx.engine.dispatchDue()
            (status, json) = try await health(base)
            #expect(status == 200 && json["last_dispatch_error"] is NSNull && json["status"] as? String == "ok", "\(json)")
        }
    }

    @Test("/metrics: Prometheus text with ticks, tick duration, decisions, sends, queue depth and rules")
    func metrics() async throws {
        let fx = try ListenerFixture()
        let client = HTTPTestClient()
        try await fx.tickNext()
        _ = try await fx.engine.dispatchDue()
        try await fx.withListener { base in
            let reply = try await client.get("\(base)/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = reply.body
            for line in [
                "# TYPE campaignd_ticks_total counter", "# TYPE campaignd_tick_duration_seconds histogram",
                "# TYPE campaignd_tick_decisions_total counter", "# TYPE campaignd_sends_total counter",
                "# TYPE campaignd_queue_depth gauge", "# TYPE campaignd_rules_loaded gauge",
            ] {
                #expect(text.contains(line), "missing \(line)")
            }
            #expect(text.contains(#"campaignd_tick_decisions_total{rule="mail",channel="email",decision="queued"}"#))
            #expect(text.contains(#"campaignd_sends_total{rule="hook",channel="webhook",status="sent"}"#))
            #expect(text.contains(#"campaignd_ticks_total{result="ok"}"#))
        }
    }
}
