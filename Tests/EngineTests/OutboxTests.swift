@testable import CustomerStore
import Engine
import Foundation
import GRDB
import Testing
import TestSupport

/// On both stores (`StoreKind`): the SQLite store, and a PostgreSQL copy of it.
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

    @Test("a tick records each decision with rule, content hash, window and evidence; a second changes nothing", arguments: StoreKind.allCases)
    func tickRecords(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(200)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        let first = try await engine.tick(at: instant)
        let holdout = first.recorded[.holdout] ?? 0
        #expect(first.queued + holdout == 200 && holdout > 5 && holdout < 40)
        let row = try #require(try fx.values(
            "SELECT rule || '|' || rule_hash || '|' || decided_at || '|' || due_at || '|' || window_key || '|' || send_id || '|' || evidence"
                + " FROM send WHERE status = 'queued' ORDER BY id LIMIT 1").first).split(separator: "|").map(String.init)
        #expect(row[0] == "welcome")
        #expect(row[1].count == 16)
        #expect(row[2] == "\(instant)" && row[3] == "\(instant)")
        #expect(row[4] == "\(instant / (30 * 86_400))")
        #expect(row[5].count == 32)
        let evidence = try JSONSerialization.jsonObject(with: Data(row[6].utf8)) as! [String: Any]
        #expect(evidence["orders"] as? Int == 1 && evidence["consent email"] as? Int == 1)
        let again = try await engine.tick(at: instant)
        // Every customer now hits the limit (holdout rows count toward it), which is not recorded again.
        #expect(again.queued == 0 && again.recorded.isEmpty && again.unchanged == 0)
        #expect(try fx.count("SELECT count(*) FROM send") == 200)
        let later = try await engine.tick(at: instant + 300)
        #expect(later.queued == 0)
        #expect(try fx.count("SELECT count(*) FROM send") == 200)
    }

    @Test("overlapping ticks of the same instant queue each send once", arguments: StoreKind.allCases)
    func overlappingTicks(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(500)
        let rules = #"rule "every" { when consent email  send email "x" }"#  // no limit: one per tick instant
        let engine = try await fx.engine(try fx.configuration(rules: rules), on: kind)
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

    @Test("a skip becomes a send when the customer qualifies later in the same window", arguments: StoreKind.allCases)
    func skipThenQueue(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(1)
        try fx.consents([StoreFixture.Consent("C1", "email", granted: false, at: 1)])
        let rules = #"rule "r" { when orders >= 1  send email "x"  limit once }"#
        let engine = try await fx.engine(try fx.configuration(rules: rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: instant).recorded[.skipped] == 1)
        #expect(try fx.values("SELECT reason FROM send") == ["no_consent"])
        #expect(try await engine.tick(at: instant + 300).unchanged == 1)
        try fx.consents([StoreFixture.Consent("C1", "email", at: instant)])
        #expect(try await engine.tick(at: instant + 600).queued == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send") == 1)
    }
}
