@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import Testing
import TestSupport

/// `purpose service`: no consent record needed, outside the contact-pressure cap, no
/// `List-Unsubscribe`; a withdrawal on the channel, suppressions and erasure still apply. On both
/// stores (`StoreKind`).
@Suite("service messages")
struct ServiceMessageTests {
    /// Customers without any email consent record, one of whom withdrew it.
    static func withoutConsent(_ fx: EngineFixture) throws {
        let fixture = try StoreFixture(store: fx.store)
        _ = try fixture.customers((1...3).map { StoreFixture.Customer("S\($0)", email: "s\($0)@example.fi") })
        try fixture.purchases((1...3).map { StoreFixture.Purchase("S\($0)", order: "SO\($0)", at: 1_700_000_000, amountMinor: 500) })
        try fixture.consents([StoreFixture.Consent("S3", "email", granted: false, at: 1_700_000_000)])
    }

    @Test("a service email needs no consent record, but a withdrawal blocks it; it is sent without List-Unsubscribe", arguments: StoreKind.allCases)
    func noConsentNeeded(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try Self.withoutConsent(fx)
        let rules = """
            rule "order-update" { when orders >= 1  send email "update"  purpose service  limit once }
            rule "promo" { when orders >= 1  send email "promo"  limit once }
            """
        let engine = try await fx.engine(try fx.configuration(rules: rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try fx.count("SELECT count(*) FROM send WHERE rule = 'order-update' AND status = 'queued' AND purpose = 'service'") == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE rule = 'order-update' AND reason = 'consent_withdrawn'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE rule = 'promo' AND reason = 'no_consent'") == 3)
        #expect(try await engine.dispatchDue().sent == 2)
        #expect(fx.email.deliveries.allSatisfy { !$0.message.isMarketing })
    }

    @Test("a service email is neither held to nor counted by the contact-pressure cap", arguments: StoreKind.allCases)
    func outsideTheCap(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(2)
        // Cap 1: the service rule (higher priority) does not use it up, so the promo still goes;
        // the promo uses it, and a second service rule still goes.
        let rules = """
            rule "receipt" { when orders >= 1  send email "receipt"  purpose service  priority 10  limit once }
            rule "promo" { when orders >= 1 and consent email  send email "promo"  priority 5  limit once }
            rule "notice" { when orders >= 1  send email "notice"  purpose service  limit once }
            """
        let engine = try await fx.engine(try fx.configuration(rules: rules, cap: 1), on: kind)
        let summary = try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(summary.queued == 6)
        #expect(try fx.count("SELECT count(*) FROM send WHERE reason = 'capped'") == 0)
        // A later marketing rule is capped by the promo, never by the two service sends.
        let later = """
            rule "receipt" { when orders >= 1  send email "receipt"  purpose service  priority 10  limit once }
            rule "promo" { when orders >= 1 and consent email  send email "promo"  priority 5  limit once }
            rule "notice" { when orders >= 1  send email "notice"  purpose service  limit once }
            rule "promo-2" { when orders >= 1 and consent email  send email "promo2"  limit once }
            """
        let second = try await fx.engine(try fx.configuration(rules: later, cap: 2), on: kind)
        let next = try await second.tick(at: second.scheduledInstant(atOrBefore: fx.clock.now()) + 300)
        #expect(next.queued == 2, "cap 2: one promo counted, the service sends not")
    }

    @Test("a withdrawn webhook consent blocks a service webhook, at the tick and at dispatch", arguments: StoreKind.allCases)
    func withdrawnWebhook(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        let fixture = try StoreFixture(store: fx.store)
        _ = try fixture.customers([StoreFixture.Customer("W1"), StoreFixture.Customer("W2"), StoreFixture.Customer("W3")])
        try fixture.feedback(["W1", "W2", "W3"].map { StoreFixture.Feedback($0, "nps", score: 2, at: Int64(fx.clock.now()) - 3600) })
        try fixture.consents([StoreFixture.Consent("W2", "webhook", granted: false, at: Int64(fx.clock.now()) - 7200)])
        let rules = #"rule "detractor" { when nps <= 6  send webhook "crm"  limit once }"#
        let engine = try await fx.engine(try fx.configuration(rules: rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued' AND purpose = 'service'") == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'skipped' AND reason = 'consent_withdrawn'") == 1)
        // W3 withdraws after the tick: the dispatcher's re-check agrees with the tick.
        try fx.consents([StoreFixture.Consent("W3", "webhook", granted: false, at: Int64(fx.clock.now()) - 1)])
        let summary = try await engine.dispatchDue()
        #expect(summary.sent == 1 && summary.skipped == 1)
        #expect(fx.webhook.recipients == ["W1"])
        #expect(try fx.count("SELECT count(*) FROM send WHERE reason = 'consent_withdrawn at dispatch'") == 1)
    }
}
