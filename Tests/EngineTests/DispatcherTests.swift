@testable import CustomerStore
import Delivery
@testable import Engine
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// On both stores (`StoreKind`), except what is SQLite's own: its claim's query plan and its crash
/// recovery (PostgreSQL recovers by lease expiry, `PostgresDispatchTests`).
@Suite("dispatcher: every state transition of a send")
struct DispatcherTests {
    static let rules = #"rule "r" { when consent email  send email "hello"  limit once }"#

    /// A fixture with `count` customers, one tick recorded at the current instant on `kind`.
    func ticked(
        _ count: Int, on kind: StoreKind = .sqlite, script: [DeliveryOutcome] = [], configure: (inout EngineConfiguration) -> Void = { _ in }
    ) async throws -> (EngineFixture, Engine) {
        let fx = try EngineFixture(emailScript: script)
        try fx.customers(count)
        var configuration = try fx.configuration(rules: Self.rules)
        configure(&configuration)
        let engine = try await fx.engine(configuration, on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        return (fx, engine)
    }

    @Test("queued → in_flight (committed before the channel sees it) → sent", arguments: StoreKind.allCases)
    func sent(_ kind: StoreKind) async throws {
        let (fx, engine) = try await ticked(3, on: kind)
        defer { fx.closeLater() }
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

    @Test("retryable failures come back after exponential backoff with jitter, then fail at the maximum age", arguments: StoreKind.allCases)
    func retries(_ kind: StoreKind) async throws {
        let retry = RetryPolicy(initialDelay: 60, maxDelay: 600, maxAge: 3000)
        let failures = Array(repeating: DeliveryOutcome.retry(reason: "450 mailbox busy", notBefore: nil), count: 10)
        let (fx, engine) = try await ticked(1, on: kind, script: failures) { $0.policy.retry = retry }
        defer { fx.closeLater() }
        let queuedAt = fx.clock.now()
        var dueTimes: [Double] = []
        for _ in 0..<10 {
            let summary = try await engine.dispatchDue()
            if summary.failed == 1 { break }
            #expect(summary.retried == 1)
            let row = try Self.row(fx)
            #expect(row[0] == "queued" && row[2] == "450 mailbox busy")
            let due = try #require(Double(row[3]))
            dueTimes.append(due - fx.clock.now())
            fx.clock.advance(due - fx.clock.now())
        }
        // random() = 0.5: each wait is 3/4 of 60, 120, 240, 480, then 600 (the cap) s. After 2,925 s
        // the next wait would end past the maximum age (3,000 s): the tenth failure fails the row.
        #expect(dueTimes == [45, 90, 180, 360, 450, 450, 450, 450, 450])
        let row = try Self.row(fx)
        #expect(row[0] == "failed" && row[1].hasPrefix("gave up after 10 attempts: 450"))
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

    @Test("a permanent failure fails the row; a hard bounce also suppresses the address", arguments: StoreKind.allCases)
    func permanent(_ kind: StoreKind) async throws {
        let (fx, engine) = try await ticked(2, on: kind, script: [
            .permanent(reason: "550 no such user", suppressAddress: true),
            .permanent(reason: "template does not render", suppressAddress: false),
        ])
        defer { fx.closeLater() }
        #expect(try await engine.dispatchDue().failed == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'failed'") == 2)
        #expect(try fx.count("SELECT count(*) FROM suppression WHERE channel = 'email' AND reason = 'hard_bounce'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE reason = 'hard bounce' AND last_error = '550 no such user'") == 1)
        // The next tick does not queue the suppressed customer again (the limit holds anyway) and
        // consent for a new rule is refused by the suppression.
        fx.clock.advance(300)
        let other = try await fx.engine(try fx.configuration(rules: #"rule "other" { when orders >= 1  send email "x"  limit once }"#), on: kind)
        let tick = try await other.tick(at: other.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(tick.queued == 1 && tick.recorded[.skipped] == 1)
    }

    @Test("consent withdrawn between queueing and dispatch: nothing sent, the row says why", arguments: StoreKind.allCases)
    func consentWithdrawn(_ kind: StoreKind) async throws {
        let (fx, engine) = try await ticked(2, on: kind)
        defer { fx.closeLater() }
        try fx.consents([StoreFixture.Consent("C1", "email", granted: false, at: Int64(fx.clock.now()))])
        try fx.suppress(channel: "email", address: "c2@example.fi", reason: "unsubscribed", at: 0)
        let summary = try await engine.dispatchDue()
        #expect(summary.skipped == 2 && fx.email.deliveries.isEmpty)
        #expect(try fx.values("SELECT reason FROM send ORDER BY customer_id") == [
            "no_consent at dispatch", "suppressed at dispatch",
        ])
    }

    @Test("quiet hours hold a send until they end in the customer's time zone, then it goes", arguments: StoreKind.allCases)
    func quietHoursAtDispatch(_ kind: StoreKind) async throws {
        // 10:00 UTC is 05:00 in New York: inside 21:00–08:00 there, until 13:00 UTC.
        let fx = try EngineFixture(now: "2026-11-20T10:00:00Z")
        defer { fx.closeLater() }
        try fx.customers(1, timeZone: "America/New_York")
        let quiet = QuietHours(start: TimeOfDay(hour: 21, minute: 0)!, end: TimeOfDay(hour: 8, minute: 0)!)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules, quietHours: quiet), on: kind)
        try await engine.tick(at: Int64(fx.clock.now()))
        #expect(try fx.values("SELECT due_at FROM send") == ["\(EngineFixture.time("2026-11-20T13:00:00Z"))"])
        #expect(try await engine.dispatchDue().total == 0)
        fx.clock.advance(3 * 3600)
        #expect(try await engine.dispatchDue().sent == 1)
        // A row that became due inside quiet hours (a retry, say) is held again at dispatch.
        try fx.execute("UPDATE send SET status = 'queued', due_at = \(EngineFixture.time("2026-11-21T03:00:00Z"))")
        fx.clock.advance(14 * 3600)  // 03:00 UTC = 22:00 in New York
        #expect(try await engine.dispatchDue().held == 1)
        #expect(try fx.values("SELECT due_at FROM send") == ["\(EngineFixture.time("2026-11-21T13:00:00Z"))"])
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

    @Test("bounded concurrency and a per-channel token bucket", arguments: StoreKind.allCases)
    func rateAndConcurrency(_ kind: StoreKind) async throws {
        let (fx, engine) = try await ticked(25, on: kind) { $0.policy = DispatchPolicy(concurrency: 3, ratePerSecond: [.email: 5], retry: $0.policy.retry) }
        defer { fx.closeLater() }
        let started = fx.clock.now()
        #expect(try await engine.dispatchDue().sent == 25)
        // 5 tokens at once, then 5 per second: 20 more need 4 seconds of (virtual) time.
        let elapsed = fx.clock.now() - started
        #expect(elapsed >= 3.9 && elapsed <= 4.5, "elapsed \(elapsed)")
    }

    /// The one send row's status, reason, last error and due instant, as text.
    static func row(_ fx: EngineFixture) throws -> [String] {
        let rows = try fx.values(
            "SELECT status || '|' || coalesce(reason, '') || '|' || coalesce(last_error, '') || '|' || coalesce(CAST(due_at AS text), '') FROM send")
        try #require(rows.count == 1, "\(rows)")
        return rows[0].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }
}
