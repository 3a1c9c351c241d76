@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import Logging
import RuleLanguage
import Testing
import TestSupport

/// A store with customers, rules from text, and an engine over recording channels.
struct EngineFixture {
    let directory: String
    let store: CustomerStore
    let clock: ManualClock
    let email: RecordingChannel
    let webhook: RecordingChannel
    var logger: Logger { Logger(label: "test") }

    init(now: String = "2026-11-20T10:00:00Z", emailScript: [DeliveryOutcome] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try CustomerStore(path: "\(directory)/store.sqlite", currency: "EUR")
        clock = ManualClock(Double(Self.time(now)))
        email = RecordingChannel(store: store, script: emailScript)
        webhook = RecordingChannel(store: store)
    }

    static func time(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970)
    }

    /// `count` customers `C1…`, each with email consent and one old purchase.
    func customers(_ count: Int, timeZone: String? = nil) throws {
        try store.database.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    INSERT INTO customer(id, external_id, email, name, street, postal_code, city, country, time_zone)
                    SELECT i, 'C' || i, 'c' || i || '@example.fi', 'Name ' || i, 'Katu 1', '00100', 'Helsinki', 'FI', ? FROM n
                    """,
                arguments: [count, timeZone])
            try db.execute(sql: "INSERT INTO consent(customer_id, channel, status, at) SELECT id, 'email', 'granted', 0 FROM customer")
            try db.execute(sql: "INSERT INTO consent(customer_id, channel, status, at) SELECT id, 'webhook', 'granted', 0 FROM customer")
            try db.execute(sql: """
                INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency)
                SELECT id, 'O' || id, \(Self.time("2026-01-01T00:00:00Z")), 1000, 'EUR' FROM customer
                """)
        }
    }

    func ruleSet(_ text: String) throws -> RuleSet {
        let result = RuleSetLoader.check([SourceFile(name: "test.rules", text: text)], environment: nil)
        return try #require(result.ruleSet, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
    }

    func configuration(
        rules: String, concurrency: Int = 4, rate: Double = 0, retry: RetryPolicy = RetryPolicy(initialDelay: 60, maxDelay: 3600, maxAge: 86_400),
        quietHours: QuietHours? = nil, cap: Int = 100
    ) throws -> EngineConfiguration {
        let runtime = EngineRuntime(
            ruleSet: try ruleSet(rules), channels: [.email: email, .webhook: webhook],
            businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", defaultEmailQuietHours: quietHours)
        return EngineConfiguration(
            runtime: runtime,
            policy: DispatchPolicy(concurrency: concurrency, ratePerSecond: rate > 0 ? [.email: rate] : [:], retry: retry),
            tickSeconds: 300, contactPressureMessages: cap, contactPressureDays: 7, slices: 2)
    }

    func engine(_ configuration: EngineConfiguration, random: Double = 0.5) throws -> Engine {
        try Engine(store: store, clock: clock, logger: logger, random: { random }, loader: { configuration })
    }

    func rows(_ sql: String = "SELECT * FROM send ORDER BY id") throws -> [Row] {
        try store.database.read { try Row.fetchAll($0, sql: sql) }
    }

    func count(_ sql: String) throws -> Int {
        try store.database.read { try Int.fetchOne($0, sql: sql)! }
    }
}
