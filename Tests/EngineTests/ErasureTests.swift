@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import Synchronization
import Testing
import TestSupport

/// A channel that erases a customer while it holds their message, then answers from a script:
/// the send was in flight at the instant of the erasure.
final class ErasingChannel: DeliveryChannel {
    let store: CustomerStore
    let externalID: String
    let outcome: DeliveryOutcome
    private let delivered = Mutex<[OutboundMessage]>([])

    init(store: CustomerStore, externalID: String, outcome: DeliveryOutcome) {
        self.store = store
        self.externalID = externalID
        self.outcome = outcome
    }

    var deliveries: [OutboundMessage] { delivered.withLock { $0 } }

    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        if message.recipient.externalID == externalID {
            _ = try? store.erase(externalID: externalID, now: 0)
        }
        delivered.withLock { $0.append(message) }
        return outcome
    }
}

@Suite("forget: erasure of a customer")
struct ErasureTests {
    static let rules = #"rule "r" { when consent email  send email "hello"  limit once }"#
    /// Without `consent email` in the condition a suppressed customer matches and is recorded as
    /// skipped (with it, they do not match at all).
    static let rulesRecordingSkips = #"rule "r" { when not tagged "nobody"  send email "hello"  limit once }"#

    /// Every text value in every table of the store, with where it is.
    static func everyText(_ fx: EngineFixture) throws -> [(place: String, text: String)] {
        try fx.store.database.read { db in
            var found: [(String, String)] = []
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for (column, value) in row {
                        if case .string(let text) = value.storage { found.append(("\(table).\(column)", text)) }
                    }
                }
            }
            return found
        }
    }

    /// Customers C1…C3 with history of every kind; C2's personal data is in every table.
    func populated() throws -> EngineFixture {
        let fx = try EngineFixture()
        try fx.customers(3)
        let fixture = try StoreFixture(store: fx.store)
        try fixture.customers([
            StoreFixture.Customer("C2", phone: "+358 40 2222222", birthday: "1990-02-02", tags: ["vip"], attributes: ["nick": "Kakkonen"]),
            StoreFixture.Customer("C1", tags: ["vip"]),
        ])
        try fixture.events([StoreFixture.Event("C2", "cart_abandoned", at: 100, properties: #"{"sku":"Kakkonen-kenkä"}"#)])
        try fixture.feedback([StoreFixture.Feedback("C2", "nps", score: 3, at: 100, comment: "Name 2 was unhappy")])
        try fixture.suppress(channel: "letter", address: "katu 1|00100|fi", at: 100)
        return fx
    }

    @Test("forget removes the profile, history and personal data in the send log, and keeps a hashed suppression")
    func erasesEverything() async throws {
        let fx = try populated()
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        // C1 and C2 are sent to (C2's receipt quotes the address); C3's send stays queued.
        try await fx.store.database.write { db in
            try db.execute(sql: "UPDATE send SET due_at = due_at + 86400 WHERE customer_id = 3")
        }
        _ = try await engine.dispatchDue()
        // With SQL: SendLog.record writes no last_error, and these rows need one to scrub.
        try await fx.store.database.write { db in
            try db.execute(sql: """
                UPDATE send SET reason = '250 OK queued for <c2@example.fi>' WHERE customer_id = 2;
                INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                 evidence, due_at, last_error, updated_at)
                VALUES ('s-queued', 'later', 'h', 2, 'email', 'hello', 0, 1, 'queued', '{"email":"c2@example.fi"}', 1,
                        '450 mailbox c2@example.fi busy', 1),
                       ('s-failed', 'old', 'h', 2, 'email', 'hello', 0, 1, 'failed', '{}', NULL,
                        '550 c2@example.fi unknown', 1);
                UPDATE send SET reason = 'gave up after 3 attempts: 450 c2@example.fi busy' WHERE send_id = 's-failed';
                """)
        }

        let erasure = try fx.store.erase(externalID: "C2", now: 500)

        #expect(erasure.customer == "C2")
        #expect(erasure.events == 1 && erasure.feedback == 1 && erasure.consents == 2 && erasure.tags == 1 && erasure.purchases == 1)
        #expect(erasure.sendsScrubbed == 3 && erasure.sendsCancelled == 1)
        #expect(erasure.suppressed == ["email", "letter", "webhook"])
        for (place, text) in try Self.everyText(fx) {
            for personal in ["c2@example.fi", "Name 2", "2222222", "Kakkonen", "1990-02-02", "katu 1|"] {
                #expect(!text.localizedCaseInsensitiveContains(personal), "\(place) still holds \(personal): \(text)")
            }
            #expect(!(place.hasPrefix("customer.external_id") && text == "C2"))
        }
        #expect(try fx.count("SELECT count(*) FROM customer WHERE external_id = 'C2'") == 0)
        for table in ["purchase", "event", "feedback", "consent", "customer_tag", "customer_facts", "customer_event_facts"] {
            #expect(try fx.count("SELECT count(*) FROM \(table) WHERE customer_id = 2") == 0, "\(table)")
        }
        let suppression = try fx.rows("SELECT channel, address, reason FROM suppression ORDER BY channel")
        #expect(suppression.map { [$0[0], $0[1], $0[2]] as [String] } == [
            ["email", SuppressionAddress.hashed("c2@example.fi"), "erased"],
            ["letter", SuppressionAddress.hashed("katu 1|00100|fi"), "erased"],
            ["webhook", SuppressionAddress.hashed("c2"), "erased"],
        ])
        let log = try fx.rows("SELECT send_id, status, reason, evidence, last_error, due_at FROM send WHERE customer_id IS NULL ORDER BY id")
        #expect(log.count == 3)
        for row in log {
            #expect(row["evidence"] as String == "{}" && row["last_error"] as String? == nil)
        }
        #expect(log.map { "\($0["status"] as String):\($0["reason"] as String? ?? "-")" } == [
            "sent:-", "skipped:erased", "failed:gave up after 3 attempts",
        ])
        #expect(log[1]["due_at"] as Int64? == nil)
        // The other customers' rows are untouched.
        #expect(try fx.count("SELECT count(*) FROM send WHERE customer_id IN (1, 3) AND evidence <> '{}'") == 2)
    }

    @Test("the same email imported again is suppressed: the tick skips it and the dispatcher does not send")
    func reimportStaysSuppressed() async throws {
        let fx = try populated()
        // C4 shares C2's address: their send is queued before C2 is erased.
        let fixture = try StoreFixture(store: fx.store)
        try fixture.customer(StoreFixture.Customer("C4", email: "c2@example.fi", name: "Shared Address"))  // id 4
        try fixture.consents([StoreFixture.Consent("C4", "email", at: 0)])
        let engine = try fx.engine(try fx.configuration(rules: Self.rulesRecordingSkips))
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 4)

        _ = try fx.store.erase(externalID: "C2", now: Int64(fx.clock.now()) - 1)
        // The same address comes back as a new customer, in another case and with spaces.
        // With SQL: the import would trim the spaces this address is meant to keep.
        try await fx.store.database.write { db in
            try db.execute(sql: """
                INSERT INTO customer(id, external_id, email, name) VALUES (5, 'C2-again', '  C2@Example.FI ', 'Back Again');
                """)
        }
        try fixture.consents([StoreFixture.Consent("C2-again", "email", at: 0)])
        fx.clock.advance(300)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        let summary = try await engine.dispatchDue()

        #expect(try fx.rows("SELECT reason FROM send WHERE customer_id = 5").map { $0[0] as String } == ["suppressed"])
        #expect(try fx.rows("SELECT reason FROM send WHERE customer_id = 4").map { $0[0] as String } == ["suppressed at dispatch"])
        #expect(summary.sent == 2 && summary.skipped == 1)
        let recipients = fx.email.deliveries.compactMap { $0.message.recipient.email?.lowercased() }
        #expect(recipients.sorted() == ["c1@example.fi", "c3@example.fi"])
    }

    @Test("a send in flight when its customer is erased: delivered, recorded without receipt; a retry is not queued again")
    func inFlightAtErasure() async throws {
        for (outcome, expected) in [
            (DeliveryOutcome.delivered(receipt: "250 OK <c1@example.fi>"), "sent:-:-"),
            (.retry(reason: "451 c1@example.fi try later", notBefore: nil), "skipped:erased:-"),
            (.permanent(reason: "550 c1@example.fi unknown", suppressAddress: true), "failed:hard bounce:-"),
        ] {
            let fx = try EngineFixture()
            try fx.customers(1)
            let channel = ErasingChannel(store: fx.store, externalID: "C1", outcome: outcome)
            var configuration = try fx.configuration(rules: Self.rules)
            configuration.runtime = EngineRuntime(
                ruleSet: configuration.runtime.ruleSet, channels: [.email: channel],
                businessTimeZone: configuration.runtime.businessTimeZone, currency: "EUR", defaultEmailQuietHours: nil)
            let engine = try fx.engine(configuration)
            try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
            _ = try await engine.dispatchDue()
            #expect(channel.deliveries.count == 1)
            let row = try #require(try fx.rows().first)
            #expect(row["customer_id"] as Int64? == nil)
            #expect("\(row["status"] as String):\(row["reason"] as String? ?? "-"):\(row["last_error"] as String? ?? "-")" == expected)
            #expect(try fx.count("SELECT count(*) FROM suppression WHERE address LIKE '%@%'") == 0)
            #expect(try await engine.dispatchDue().total == 0)
        }
    }

    @Test("an unknown customer: an error that names the id, and nothing changes")
    func unknownCustomer() throws {
        let fx = try populated()
        let before = try Self.everyText(fx).map { "\($0.place)=\($0.text)" }
        #expect {
            _ = try fx.store.erase(externalID: "C9", now: 1)
        } throws: { error in
            "\(error)" == #"no customer with id "C9" in the store"#
        }
        #expect(try Self.everyText(fx).map { "\($0.place)=\($0.text)" } == before)
    }
}
