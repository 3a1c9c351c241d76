@testable import CustomerStore
import Engine
import Foundation
import GRDB
import Testing
import TestSupport

@Suite("outbox: ticks into the send log")
struct OutboxTests {
    static let rules = """
        rule "welcome" {
          when orders >= 1 and consent email
          send email "welcome"
          limit once per 30 days
          holdout 10%
        }
        """

    @Test("a tick records each decision with rule, content hash, window and evidence; a second changes nothing")
    func tickRecords() async throws {
        let fx = try EngineFixture()
        try fx.customers(200)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        let first = try await engine.tick(at: instant)
        let holdout = first.recorded[.holdout] ?? 0
        #expect(first.queued + holdout == 200 && holdout > 5 && holdout < 40)
        let row = try #require(try fx.rows("SELECT * FROM send WHERE status = 'queued' LIMIT 1").first)
        #expect(row["rule"] as String == "welcome")
        #expect((row["rule_hash"] as String).count == 16)
        #expect(row["decided_at"] as Int64 == instant && row["due_at"] as Int64 == instant)
        #expect(row["window_key"] as Int64 == instant / (30 * 86_400))
        #expect((row["send_id"] as String).count == 32)
        let evidence = try JSONSerialization.jsonObject(with: Data((row["evidence"] as String).utf8)) as! [String: Any]
        #expect(evidence["orders"] as? Int == 1 && evidence["consent email"] as? Int == 1)
        let again = try await engine.tick(at: instant)
        // Every customer now hits the limit (holdout rows count toward it), which is not recorded again.
        #expect(again.queued == 0 && again.recorded.isEmpty && again.unchanged == 0)
        #expect(try fx.count("SELECT count(*) FROM send") == 200)
        let later = try await engine.tick(at: instant + 300)
        #expect(later.queued == 0)
        #expect(try fx.count("SELECT count(*) FROM send") == 200)
    }

    @Test("overlapping ticks of the same instant queue each send once")
    func overlappingTicks() async throws {
        let fx = try EngineFixture()
        try fx.customers(500)
        let rules = #"rule "every" { when consent email  send email "x" }"#  // no limit: one per tick instant
        let engine = try fx.engine(try fx.configuration(rules: rules))
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await engine.tick(at: instant).queued } }
            var total = 0
            for try await queued in group { total += queued }
            #expect(total == 500)
        }
        #expect(try fx.count("SELECT count(*) FROM send") == 500)
        #expect(try fx.count("SELECT count(DISTINCT send_id) FROM send") == 500)
        // The next instant is a new window for a rule without a limit.
        #expect(try await engine.tick(at: instant + 300).queued == 500)
    }

    @Test("a skip becomes a send when the customer qualifies later in the same window")
    func skipThenQueue() async throws {
        let fx = try EngineFixture()
        try fx.customers(1)
        try StoreFixture(store: fx.store).consents([StoreFixture.Consent("C1", "email", granted: false, at: 1)])
        let rules = #"rule "r" { when orders >= 1  send email "x"  limit once }"#
        let engine = try fx.engine(try fx.configuration(rules: rules))
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: instant).recorded[.skipped] == 1)
        #expect(try fx.rows().first?["reason"] as String? == "no_consent")
        #expect(try await engine.tick(at: instant + 300).unchanged == 1)
        try StoreFixture(store: fx.store).consents([StoreFixture.Consent("C1", "email", at: instant)])
        #expect(try await engine.tick(at: instant + 600).queued == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send") == 1)
    }
}
