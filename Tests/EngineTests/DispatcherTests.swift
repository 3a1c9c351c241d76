@testable import CustomerStore
import Delivery
@testable import Engine
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

@Suite("dispatcher: every state transition of a send")
struct DispatcherTests {
    static let rules = #"rule "r" { when consent email  send email "hello"  limit once }"#

    /// A fixture with `count` customers, one tick recorded at the current instant.
    func ticked(_ count: Int, script: [DeliveryOutcome] = [], configure: (inout EngineConfiguration) -> Void = { _ in })
        async throws -> (EngineFixture, Engine)
    {
        let fx = try EngineFixture(emailScript: script)
        try fx.customers(count)
        var configuration = try fx.configuration(rules: Self.rules)
        configure(&configuration)
        let engine = try fx.engine(configuration)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        return (fx, engine)
    }

    @Test("queued → in_flight (committed before the channel sees it) → sent")
    func sent() async throws {
        let (fx, engine) = try await ticked(3)
        let summary = try await engine.dispatchDue()
        #expect(summary.sent == 3)
        #expect(fx.email.deliveries.count == 3)
        #expect(fx.email.deliveries.allSatisfy { $0.statusDuringDelivery == "in_flight" })
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'sent' AND attempts = 1 AND reason = '250 OK'") == 3)
        let message = try #require(fx.email.deliveries.first?.message)
        #expect(message.recipient.email?.hasSuffix("@example.fi") == true && message.rule == "r" && message.target == "hello")
        #expect(message.facts["orders"] == "1")
        #expect(try await engine.dispatchDue().total == 0)
    }

    @Test("a claim reads the send_due index, not the whole send log (which only grows)")
    func claimUsesTheDueIndex() async throws {
        let (fx, _) = try await ticked(3)
        let plan = try await fx.store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SendLog.claimSQL, arguments: [Int64.max, 8])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX send_due") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN send") || $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    @Test("retryable failures come back after exponential backoff with jitter, then fail at the maximum age")
    func retries() async throws {
        let retry = RetryPolicy(initialDelay: 60, maxDelay: 600, maxAge: 3000)
        let failures = Array(repeating: DeliveryOutcome.retry(reason: "450 mailbox busy", notBefore: nil), count: 10)
        let (fx, engine) = try await ticked(1, script: failures) { $0.policy.retry = retry }
        let queuedAt = fx.clock.now()
        var dueTimes: [Double] = []
        for _ in 0..<10 {
            let summary = try await engine.dispatchDue()
            if summary.failed == 1 { break }
            #expect(summary.retried == 1)
            let row = try #require(try fx.rows().first)
            #expect(row["status"] as String == "queued" && row["last_error"] as String == "450 mailbox busy")
            let due = Double(row["due_at"] as Int64)
            dueTimes.append(due - fx.clock.now())
            fx.clock.advance(due - fx.clock.now())
        }
        // random() = 0.5: each wait is 3/4 of 60, 120, 240, 480, then 600 (the cap) s. After 2,925 s
        // the next wait would end past the maximum age (3,000 s): the tenth failure fails the row.
        #expect(dueTimes == [45, 90, 180, 360, 450, 450, 450, 450, 450])
        let row = try #require(try fx.rows().first)
        #expect(row["status"] as String == "failed" && (row["reason"] as String).hasPrefix("gave up after 10 attempts: 450"))
        #expect(fx.clock.now() - queuedAt == 2925)
        #expect(fx.email.deliveries.count == 10)
        #expect(Set(fx.email.deliveries.map(\.message.sendID)).count == 1, "every retry keeps the send id")
    }

    @Test("backoff: bounds of the jitter and Retry-After")
    func backoffArithmetic() {
        let policy = RetryPolicy(initialDelay: 10, maxDelay: 100, maxAge: 1000)
        #expect(policy.delay(afterAttempts: 1, retryAfter: nil, random: 0) == 5)
        #expect(policy.delay(afterAttempts: 1, retryAfter: nil, random: 0.999_999) < 10)
        #expect(policy.delay(afterAttempts: 4, retryAfter: nil, random: 1) == 80)
        #expect(policy.delay(afterAttempts: 9, retryAfter: nil, random: 1) == 100)
        #expect(policy.delay(afterAttempts: 1, retryAfter: 120, random: 0) == 120)
    }

    @Test("a permanent failure fails the row; a hard bounce also suppresses the address")
    func permanent() async throws {
        let (fx, engine) = try await ticked(2, script: [
            .permanent(reason: "550 no such user", suppressAddress: true),
            .permanent(reason: "template does not render", suppressAddress: false),
        ])
        #expect(try await engine.dispatchDue().failed == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'failed'") == 2)
        #expect(try fx.count("SELECT count(*) FROM suppression WHERE channel = 'email' AND reason = 'hard_bounce'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE reason = 'hard bounce' AND last_error = '550 no such user'") == 1)
        // The next tick does not queue the suppressed customer again (the limit holds anyway) and
        // consent for a new rule is refused by the suppression.
        fx.clock.advance(300)
        let other = try fx.engine(try fx.configuration(rules: #"rule "other" { when orders >= 1  send email "x"  limit once }"#))
        let tick = try await other.tick(at: other.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(tick.queued == 1 && tick.recorded[.skipped] == 1)
    }

    @Test("consent withdrawn between queueing and dispatch: nothing sent, the row says why")
    func consentWithdrawn() async throws {
        let (fx, engine) = try await ticked(2)
        let fixture = try StoreFixture(store: fx.store)
        try fixture.consents([StoreFixture.Consent("C1", "email", granted: false, at: Int64(fx.clock.now()))])
        try fixture.suppress(channel: "email", address: "c2@example.fi", reason: "unsubscribed", at: 0)
        let summary = try await engine.dispatchDue()
        #expect(summary.skipped == 2 && fx.email.deliveries.isEmpty)
        #expect(try fx.rows("SELECT reason FROM send ORDER BY customer_id").map { $0[0] as String } == [
            "no_consent at dispatch", "suppressed at dispatch",
        ])
    }

    @Test("quiet hours hold a send until they end in the customer's time zone, then it goes")
    func quietHoursAtDispatch() async throws {
        // 10:00 UTC is 05:00 in New York: inside 21:00–08:00 there, until 13:00 UTC.
        let fx = try EngineFixture(now: "2026-11-20T10:00:00Z")
        try fx.customers(1, timeZone: "America/New_York")
        let quiet = QuietHours(start: TimeOfDay(hour: 21, minute: 0)!, end: TimeOfDay(hour: 8, minute: 0)!)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules, quietHours: quiet))
        try await engine.tick(at: Int64(fx.clock.now()))
        #expect(try fx.rows().first?["due_at"] as Int64? == EngineFixture.time("2026-11-20T13:00:00Z"))
        #expect(try await engine.dispatchDue().total == 0)
        fx.clock.advance(3 * 3600)
        #expect(try await engine.dispatchDue().sent == 1)
        // A row that became due inside quiet hours (a retry, say) is held again at dispatch.
        try await fx.store.database.write { db in
            try db.execute(sql: "UPDATE send SET status = 'queued', due_at = ?", arguments: [EngineFixture.time("2026-11-21T03:00:00Z")])
        }
        fx.clock.advance(14 * 3600)  // 03:00 UTC = 22:00 in New York
        #expect(try await engine.dispatchDue().held == 1)
        #expect(try fx.rows().first?["due_at"] as Int64? == EngineFixture.time("2026-11-21T13:00:00Z"))
    }

    @Test("after a crash, in-flight rows are resent with the same send id")
    func recovery() async throws {
        let (fx, engine) = try await ticked(3)
        try await fx.store.database.write { db in try db.execute(sql: "UPDATE send SET status = 'in_flight'") }
        let ids = Set(try fx.rows("SELECT send_id FROM send").map { $0[0] as String })
        #expect(try await engine.dispatchDue().total == 0, "in-flight rows are not claimed again while running")
        #expect(try await engine.dispatcher.recoverInFlight() == 3)
        #expect(try await engine.dispatchDue().sent == 3)
        #expect(Set(fx.email.deliveries.map(\.message.sendID)) == ids)
    }

    @Test("bounded concurrency and a per-channel token bucket")
    func rateAndConcurrency() async throws {
        let (fx, engine) = try await ticked(25) { $0.policy = DispatchPolicy(concurrency: 3, ratePerSecond: [.email: 5], retry: $0.policy.retry) }
        let started = fx.clock.now()
        #expect(try await engine.dispatchDue().sent == 25)
        // 5 tokens at once, then 5 per second: 20 more need 4 seconds of (virtual) time.
        let elapsed = fx.clock.now() - started
        #expect(elapsed >= 3.9 && elapsed <= 4.5, "elapsed \(elapsed)")
    }
}
