@testable import CustomerStore
import Engine
import Foundation
import GRDB
import Testing
import TestSupport

/// Ticks record the membership of segments whose transitions are read, in the tick's transaction,
/// and `entered S` / `left S` fire once per change across ticks on an injected clock. On both
/// stores (`StoreKind`).
@Suite("ticks: segment membership and transitions")
struct TransitionTickTests {
    static let rules = """
        segment key = spent in last 30 days >= 50
        rule "new-key" {
          when entered key and consent email
          send email "welcome"
        }
        rule "lapsed-key" {
          when left key and consent email
          send email "miss-you"
        }
        """

    func purchase(_ fx: EngineFixture, _ customer: String, at: String, amountMinor: Int64 = 6000) throws {
        try fx.purchases([StoreFixture.Purchase(customer, at: EngineFixture.time(at), amountMinor: amountMinor)])
    }

    func sends(_ fx: EngineFixture, _ rule: String) throws -> [Int64] {
        try fx.values("SELECT customer_id FROM send WHERE rule = \(EngineFixture.quoted(rule)) ORDER BY customer_id").compactMap { Int64($0) }
    }

    @Test("the first tick records members without firing; later changes fire exactly once", arguments: StoreKind.allCases)
    func firesOncePerChange(_ kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-20T10:00:00Z")
        defer { fx.closeLater() }
        try fx.customers(5)
        try purchase(fx, "C1", at: "2026-11-01T12:00:00Z")
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        var instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        // First tick: C1 is a member, recorded as the baseline; nothing fires.
        let first = try await engine.tick(at: instant)
        #expect(first.membership["key"] == .baseline(members: 1))
        #expect(try fx.count("SELECT count(*) FROM send") == 0)
        #expect(try fx.count("SELECT count(*) FROM segment_membership WHERE segment = 'key' AND left_at IS NULL") == 1)
        #expect(try fx.count("SELECT since FROM segment_tracking WHERE segment = 'key'") == Int(instant))
        // C2 buys: the next tick fires `entered key` for C2 only, and again never after.
        try purchase(fx, "C2", at: "2026-11-20T10:01:00Z")
        for _ in 0..<4 {
            fx.clock.advance(300)
            instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
            try await engine.tick(at: instant)
        }
        #expect(try sends(fx, "new-key") == [2])
        #expect(try sends(fx, "lapsed-key").isEmpty)
        // 1 December 12:00: C1's purchase is more than 30 days old; C1 leaves, once.
        fx.clock.advance(Double(EngineFixture.time("2026-12-01T13:00:00Z")) - fx.clock.now())
        for _ in 0..<3 {
            instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
            let summary = try await engine.tick(at: instant)
            #expect(summary.membership["key"] != nil)
            fx.clock.advance(300)
        }
        #expect(try sends(fx, "lapsed-key") == [1])
        #expect(try sends(fx, "new-key") == [2])
        // The history: C1 in from the baseline until 1 December, C2 from its tick on.
        let rows = try fx.values("SELECT customer_id || '|' || coalesce(CAST(left_at AS text), '-') FROM segment_membership ORDER BY customer_id")
        #expect(rows.count == 2)
        #expect(rows[0].hasPrefix("1|") && !rows[0].hasSuffix("|-"), "\(rows)")
        #expect(rows[1] == "2|-")
    }

    @Test("a re-run tick at the same instant records nothing twice; a tick without transitions drops the history", arguments: StoreKind.allCases)
    func rerunAndUntrack(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(3)
        try purchase(fx, "C1", at: "2026-11-19T12:00:00Z")
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        try await engine.tick(at: instant)
        #expect(try await engine.tick(at: instant).membership["key"] == .stale)
        #expect(try fx.count("SELECT count(*) FROM segment_membership") == 1)
        let plain = try await fx.engine(try fx.configuration(rules: #"rule "r" { when orders >= 5  send email "x"  limit once }"#), on: kind)
        try await plain.tick(at: instant + 300)
        #expect(try fx.count("SELECT count(*) FROM segment_membership") == 0)
        #expect(try fx.count("SELECT count(*) FROM segment_tracking") == 0)
        // Used again, the segment starts from a new baseline: C1 does not count as entering.
        try await engine.tick(at: instant + 600)
        #expect(try fx.count("SELECT count(*) FROM send WHERE rule = 'new-key'") == 0)
        #expect(try fx.count("SELECT since FROM segment_tracking") == Int(instant + 600))
    }

    @Test("erasure removes the customer's membership history", arguments: StoreKind.allCases)
    func erasure(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(3)
        try purchase(fx, "C1", at: "2026-11-19T12:00:00Z")
        try purchase(fx, "C2", at: "2026-11-19T12:00:00Z")
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try fx.count("SELECT count(*) FROM segment_membership") == 2)
        try await fx.erase(externalID: "C2", now: 1)
        #expect(try fx.count("SELECT count(*) FROM segment_membership") == 1)
        #expect(try fx.count("SELECT count(*) FROM segment_membership WHERE customer_id = 2") == 0)
    }
}
