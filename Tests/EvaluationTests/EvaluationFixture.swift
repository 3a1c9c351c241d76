@testable import CustomerStore
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// A fresh store filled through the import (`StoreFixture`; the triggers keep the facts), rules
/// from text, and an evaluation at a chosen instant on the store a test runs on: the SQLite store
/// itself, or its PostgreSQL copy (`PostgresMirror`; EvaluationFixture+Stores.swift).
struct EvaluationFixture {
    let directory: String
    let store: CustomerStore
    /// The store evaluations read. Data is always written to the SQLite store.
    var kind: StoreKind
    let mirror = PostgresMirror()
    var businessTimeZone = TimeZone(identifier: "Europe/Helsinki")!
    var contactPressure = (messages: 0, days: 7)

    init(on kind: StoreKind = .sqlite) throws {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-eval-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try CustomerStore(path: "\(directory)/store.sqlite", currency: "EUR")
    }

    /// Unix seconds of an ISO 8601 time (`2026-11-20T00:00:00Z`) or a business-zone date.
    func time(_ text: String) -> Int64 {
        guard let value = InstantText.parse(text, businessTimeZone: businessTimeZone) else {
            Issue.record("bad time \(text)")
            return 0
        }
        return value
    }

    var fixture: StoreFixture {
        get throws { try StoreFixture(store: store) }
    }

    /// Adds a customer through the import and returns its internal id. Email consent is granted
    /// unless told otherwise.
    @discardableResult
    func customer(
        _ id: String, email: String? = nil, name: String? = "Test Person", birthday: String? = nil,
        timeZone: String? = nil, city: String? = "Helsinki", street: String? = "Katu 1", postalCode: String? = "00100",
        country: String? = "FI", attributes: [String: String] = [:], emailConsent: Bool = true, joined: String? = nil
    ) throws -> Int64 {
        let customerID = try fixture.customer(StoreFixture.Customer(
            id, email: email ?? "\(id.lowercased())@example.fi", name: name, street: street, postalCode: postalCode, city: city,
            country: country, birthday: birthday, joined: joined.map(time) ?? time("2020-01-01"), timeZone: timeZone,
            attributes: attributes))
        if emailConsent { try consent(customerID, .email, granted: true, at: "2020-01-01") }
        return customerID
    }

    /// Adds a customer with SQL, as another program writing the store might, for values the
    /// import refuses (an empty email, an unknown time zone); email consent is granted through
    /// the import. Returns the internal id.
    @discardableResult
    func customerWrittenOutside(_ id: String, email: String? = nil, birthday: String? = nil, timeZone: String? = nil) throws -> Int64 {
        let customerID = try store.database.write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO customer(external_id, email, name, street, postal_code, city, country, birthday, joined_at, time_zone, attributes)
                    VALUES (?, ?, 'Test Person', 'Katu 1', '00100', 'Helsinki', 'FI', ?, ?, ?, '{}')
                    """,
                arguments: [id, email ?? "\(id.lowercased())@example.fi", birthday, time("2020-01-01"), timeZone])
            return db.lastInsertedRowID
        }
        try consent(customerID, .email, granted: true, at: "2020-01-01")
        return customerID
    }

    func purchase(_ customer: Int64, at: String, amount minor: Int64 = 5000) throws {
        let fixture = try fixture
        try fixture.purchases([StoreFixture.Purchase(try fixture.externalID(of: customer), at: time(at), amountMinor: minor)])
    }

    func consent(_ customer: Int64, _ channel: Channel, granted: Bool, at: String) throws {
        let fixture = try fixture
        try fixture.consents([StoreFixture.Consent(try fixture.externalID(of: customer), channel.rawValue, granted: granted, at: time(at))])
    }

    func feedback(_ customer: Int64, _ kind: String, score: Int, at: String) throws {
        let fixture = try fixture
        try fixture.feedback([StoreFixture.Feedback(try fixture.externalID(of: customer), kind, score: score, at: time(at))])
    }

    func event(_ customer: Int64, _ name: String, at: String) throws {
        let fixture = try fixture
        try fixture.events([StoreFixture.Event(try fixture.externalID(of: customer), name, at: time(at))])
    }

    func suppress(_ channel: Channel, _ address: String, at: String = "2020-01-01") throws {
        try fixture.suppress(channel: channel.rawValue, address: address, at: time(at))
    }

    /// A row in the send log, as a tick would have written it.
    func sent(_ rule: String, to customer: Int64, at: String, channel: Channel = .email, status: String = "sent") throws {
        let status = try #require(SendStatus(rawValue: status))
        try fixture.sends([StoreFixture.send(rule, customer: customer, at: time(at), status: status, channel: channel.rawValue)])
    }

    func ruleSet(_ text: String, file: String = "test.rules") throws -> RuleSet {
        let result = RuleSetLoader.check([SourceFile(name: file, text: text)], environment: nil)
        guard let ruleSet = result.ruleSet else {
            throw FixtureError(message: DiagnosticRenderer(colour: false).render(result.diagnostics))
        }
        return ruleSet
    }

    func settings(at instant: String, quietHours: QuietHours? = nil) -> EvaluationSettings {
        EvaluationSettings(
            now: time(instant), businessTimeZone: businessTimeZone, currency: "EUR",
            contactPressureMessages: contactPressure.messages, contactPressureDays: contactPressure.days,
            defaultEmailQuietHours: quietHours, sampleSize: 100)
    }

    /// Every decision at `instant`, by rule name, and the tallies.
    func evaluate(_ rules: String, at instant: String, only: Set<String>? = nil) async throws -> Evaluation {
        try await evaluate(ruleSet(rules), settings: settings(at: instant), only: only)
    }

    struct Evaluation {
        let tallies: [String: RuleTally]
        let decisions: [String: [Decision]]

        /// External ids matched by `rule`, with their verdicts.
        func verdicts(_ rule: String) -> [String: Verdict] {
            Dictionary(uniqueKeysWithValues: (decisions[rule] ?? []).map { ($0.externalID, $0.verdict) })
        }

        func matched(_ rule: String) -> Set<String> { Set(verdicts(rule).keys) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
