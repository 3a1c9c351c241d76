@testable import CustomerStore
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing

/// A fresh store filled by plain SQL (the triggers keep the facts), rules from text, and an
/// evaluation at a chosen instant.
struct EvaluationFixture {
    let directory: String
    let store: CustomerStore
    var businessTimeZone = TimeZone(identifier: "Europe/Helsinki")!
    var contactPressure = (messages: 0, days: 7)

    init() throws {
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

    /// Adds a customer and returns its internal id. Email consent is granted unless told otherwise.
    @discardableResult
    func customer(
        _ id: String, email: String? = nil, name: String? = "Test Person", birthday: String? = nil,
        timeZone: String? = nil, city: String? = "Helsinki", street: String? = "Katu 1", postalCode: String? = "00100",
        country: String? = "FI", attributes: [String: String] = [:], emailConsent: Bool = true, joined: String? = nil
    ) throws -> Int64 {
        let attributesJSON = String(decoding: try JSONEncoder().encode(attributes), as: UTF8.self)
        let customerID = try store.database.write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO customer(external_id, email, name, street, postal_code, city, country, birthday, joined_at, time_zone, attributes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, email ?? "\(id.lowercased())@example.fi", name, street, postalCode, city, country, birthday,
                    joined.map(time) ?? time("2020-01-01"), timeZone, attributesJSON,
                ])
            return db.lastInsertedRowID
        }
        if emailConsent { try consent(customerID, .email, granted: true, at: "2020-01-01") }
        return customerID
    }

    func purchase(_ customer: Int64, at: String, amount minor: Int64 = 5000) throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (?, ?, ?, ?, 'EUR')",
                arguments: [customer, UUID().uuidString, time(at), minor])
        }
    }

    func consent(_ customer: Int64, _ channel: Channel, granted: Bool, at: String) throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO consent(customer_id, channel, status, at) VALUES (?, ?, ?, ?)",
                arguments: [customer, channel.rawValue, granted ? "granted" : "withdrawn", time(at)])
        }
    }

    func feedback(_ customer: Int64, _ kind: String, score: Int, at: String) throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO feedback(customer_id, kind, score, at) VALUES (?, ?, ?, ?)",
                arguments: [customer, kind, score, time(at)])
        }
    }

    func event(_ customer: Int64, _ name: String, at: String) throws {
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO event(customer_id, name, at) VALUES (?, ?, ?)", arguments: [customer, name, time(at)])
        }
    }

    func suppress(_ channel: Channel, _ address: String, at: String = "2020-01-01") throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO suppression(channel, address, reason, at) VALUES (?, ?, 'manual', ?)",
                arguments: [channel.rawValue, address, time(at)])
        }
    }

    /// A row in the send log, as a tick would have written it.
    func sent(_ rule: String, to customer: Int64, at: String, channel: Channel = .email, status: String = "sent") throws {
        try store.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at)
                    VALUES (?, ?, 'test', ?, ?, 'x', ?, ?, ?, ?)
                    """,
                arguments: [UUID().uuidString, rule, customer, channel.rawValue, time(at), time(at), status, time(at)])
        }
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
    func evaluate(_ rules: String, at instant: String, only: Set<String>? = nil) throws -> Evaluation {
        let ruleSet = try ruleSet(rules)
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings(at: instant))
        var decisions: [String: [Decision]] = [:]
        let tallies = try store.database.read { db in
            try evaluator.evaluate(only: only, in: db) { rule, decision in decisions[rule.name, default: []].append(decision) }
        }
        return Evaluation(tallies: Dictionary(uniqueKeysWithValues: tallies.map { ($0.rule, $0) }), decisions: decisions)
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
