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
    let fixture: EngineFixture
    let externalID: String
    let outcome: DeliveryOutcome
    private let delivered = Mutex<[OutboundMessage]>([])

    /// Erases from the store `fixture`'s engines run on.
    init(fixture: EngineFixture, externalID: String, outcome: DeliveryOutcome) {
        self.fixture = fixture
        self.externalID = externalID
        self.outcome = outcome
    }

    var deliveries: [OutboundMessage] { delivered.withLock { $0 } }

    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        if message.recipient.externalID == externalID {
            _ = try? await fixture.erase(externalID: externalID, now: 0)
        }
        delivered.withLock { $0.append(message) }
        return outcome
    }
}

/// On both stores (`StoreKind`): the PostgreSQL copy of the fixture is made when its engine is.
@Suite("forget: erasure of a customer")
struct ErasureTests {
    static let rules = #"rule "r" { when consent email  send email "hello"  limit once }"#
    /// Without `consent email` in the condition a suppressed customer matches and is recorded as
    /// skipped (with it, they do not match at all).
    static let rulesRecordingSkips = #"rule "r" { when not tagged "nobody"  send email "hello"  limit once }"#

    /// Every text value in every table of the store the engines run on, with where it is (on
    /// PostgreSQL, JSON values as their text and line ends as spaces).
    static func everyText(_ fx: EngineFixture) throws -> [(place: String, text: String)] {
        if let copy = fx.postgres.copy {
            let columns = try copy.values("""
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type IN ('text', 'json', 'jsonb', 'character varying')
                ORDER BY table_name, column_name
                """)
            #expect(columns.contains("customer.email") && columns.contains("send.evidence"), "\(columns)")
            let union = columns.map { place -> String in
                let parts = place.split(separator: ".")
                return "SELECT '\(place)' || chr(9) || replace(\(parts[1])::text, chr(10), ' ') FROM \(parts[0]) WHERE \(parts[1]) IS NOT NULL"
            }.joined(separator: "\nUNION ALL ")
            return try copy.values(union).map { line in
                let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
        }
        return try fx.store.database.read { db in
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

    @Test("forget removes the profile, history and personal data in the send log, and keeps a hashed suppression",
          arguments: StoreKind.allCases)
    func erasesEverything(on kind: StoreKind) async throws {
        let fx = try populated()
        defer { fx.closeLater() }
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        // C1 and C2 are sent to (C2's receipt quotes the address); C3's send stays queued.
        try fx.execute("UPDATE send SET due_at = due_at + 86400 WHERE customer_id = 3")
        _ = try await engine.dispatchDue()
        // With SQL: SendLog.record writes no last_error, and these rows need one to scrub.
        try fx.execute("""
                UPDATE send SET reason = '250 OK queued for <c2@example.fi>' WHERE customer_id = 2;
                INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                                 evidence, due_at, last_error, updated_at)
                VALUES ('s-queued', 'later', 'h', 2, 'email', 'hello', 0, 1, 'queued', '{"email":"c2@example.fi"}', 1,
                        '450 mailbox c2@example.fi busy', 1),
                       ('s-failed', 'old', 'h', 2, 'email', 'hello', 0, 1, 'failed', '{}', NULL,
                        '550 c2@example.fi unknown', 1);
                UPDATE send SET reason = 'gave up after 3 attempts: 450 c2@example.fi busy' WHERE send_id = 's-failed';
                """)

        let erasure = try await fx.erase(externalID: "C2", now: 500)

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
        let suppression = try fx.values("SELECT channel || ' ' || address || ' ' || reason FROM suppression ORDER BY channel")
        #expect(suppression == [
            "email \(SuppressionAddress.hashed("c2@example.fi")) erased",
            "letter \(SuppressionAddress.hashed("katu 1|00100|fi")) erased",
            "webhook \(SuppressionAddress.hashed("c2")) erased",
        ])
        let log = try fx.values("""
            SELECT status || ':' || coalesce(reason, '-') || ':' || CAST(evidence AS TEXT) || ':' || coalesce(last_error, '-')
            FROM send WHERE customer_id IS NULL ORDER BY id
            """)
        #expect(log == ["sent:-:{}:-", "skipped:erased:{}:-", "failed:gave up after 3 attempts:{}:-"])
        #expect(try fx.count("SELECT count(*) FROM send WHERE customer_id IS NULL AND status = 'skipped' AND due_at IS NULL") == 1)
        // The other customers' rows are untouched.
        #expect(try fx.count("SELECT count(*) FROM send WHERE customer_id IN (1, 3) AND CAST(evidence AS TEXT) <> '{}'") == 2)
    }

    @Test("the same email imported again is suppressed: the tick skips it and the dispatcher does not send",
          arguments: StoreKind.allCases)
    func reimportStaysSuppressed(on kind: StoreKind) async throws {
        let fx = try populated()
        defer { fx.closeLater() }
        // C4 shares C2's address: their send is queued before C2 is erased.
        let fixture = try StoreFixture(store: fx.store)
        try fixture.customer(StoreFixture.Customer("C4", email: "c2@example.fi", name: "Shared Address"))  // id 4
        try fixture.consents([StoreFixture.Consent("C4", "email", at: 0)])
        let engine = try await fx.engine(try fx.configuration(rules: Self.rulesRecordingSkips), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 4)

        try await fx.erase(externalID: "C2", now: Int64(fx.clock.now()) - 1)
        // The same address comes back as a new customer, in another case and with spaces.
        // With SQL: the import would trim the spaces this address is meant to keep.
        try fx.execute("""
            INSERT INTO customer(id, external_id, email, name) VALUES (5, 'C2-again', '  C2@Example.FI ', 'Back Again');
            INSERT INTO consent(customer_id, channel, status, at) VALUES (5, 'email', 'granted', 0);
            """)
        fx.clock.advance(300)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        let summary = try await engine.dispatchDue()

        #expect(try fx.values("SELECT reason FROM send WHERE customer_id = 5") == ["suppressed"])
        #expect(try fx.values("SELECT reason FROM send WHERE customer_id = 4") == ["suppressed at dispatch"])
        #expect(summary.sent == 2 && summary.skipped == 1)
        let recipients = fx.email.deliveries.compactMap { $0.message.recipient.email?.lowercased() }
        #expect(recipients.sorted() == ["c1@example.fi", "c3@example.fi"])
    }

    @Test("a send in flight when its customer is erased: delivered, recorded without receipt; a retry is not queued again",
          arguments: StoreKind.allCases)
    func inFlightAtErasure(on kind: StoreKind) async throws {
        for (outcome, expected) in [
            (DeliveryOutcome.delivered(receipt: "250 OK <c1@example.fi>"), "sent:-:-"),
            (.retry(reason: "451 c1@example.fi try later", notBefore: nil), "skipped:erased:-"),
            (.permanent(reason: "550 c1@example.fi unknown", suppressAddress: true), "failed:hard bounce:-"),
        ] {
            let fx = try EngineFixture()
            defer { fx.closeLater() }
            try fx.customers(1)
            let channel = ErasingChannel(fixture: fx, externalID: "C1", outcome: outcome)
            var configuration = try fx.configuration(rules: Self.rules)
            configuration.runtime = EngineRuntime(
                ruleSet: configuration.runtime.ruleSet, channels: [.email: channel],
                businessTimeZone: configuration.runtime.businessTimeZone, currency: "EUR", defaultEmailQuietHours: nil)
            let engine = try await fx.engine(configuration, on: kind)
            try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
            _ = try await engine.dispatchDue()
            #expect(channel.deliveries.count == 1)
            let rows = try fx.values("""
                SELECT CASE WHEN customer_id IS NULL THEN 'erased' ELSE 'kept' END || ' ' || status || ':' || coalesce(reason, '-')
                    || ':' || coalesce(last_error, '-')
                FROM send ORDER BY id
                """)
            #expect(rows == ["erased \(expected)"])
            #expect(try fx.count("SELECT count(*) FROM suppression WHERE address LIKE '%@%'") == 0)
            #expect(try await engine.dispatchDue().total == 0)
        }
    }

    @Test("an unknown customer: an error that names the id, and nothing changes", arguments: StoreKind.allCases)
    func unknownCustomer(on kind: StoreKind) async throws {
        let fx = try populated()
        defer { fx.closeLater() }
        if kind == .postgres { _ = try await fx.postgresCopy() }
        let before = try Self.everyText(fx).map { "\($0.place)=\($0.text)" }
        await #expect {
            try await fx.erase(externalID: "C9", now: 1)
        } throws: { error in
            "\(error)" == #"no customer with id "C9" in the store"#
        }
        #expect(try Self.everyText(fx).map { "\($0.place)=\($0.text)" } == before)
    }
}
