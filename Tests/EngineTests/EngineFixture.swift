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
    /// The PostgreSQL copy an engine `on: .postgres` runs on, once made (`EngineFixture+Postgres`).
    let postgres: PostgresSide
    var logger: Logger { Logger(label: "test") }

    /// - Parameter directory: where the store lives (a `SmallDisk`); a new temporary directory by default.
    init(now: String = "2026-11-20T10:00:00Z", emailScript: [DeliveryOutcome] = [], directory: String? = nil) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        store = try CustomerStore(path: "\(self.directory)/store.sqlite", currency: "EUR")
        clock = ManualClock(Double(Self.time(now)))
        let postgres = PostgresSide()
        self.postgres = postgres
        // Each delivery notes its row's status in the store the engines dispatch from.
        let statusOf: @Sendable (String) async -> String? = { [store] sendID in
            if let copy = postgres.copy { return await copy.status(of: sendID) }
            return (try? await store.inSnapshot { db in
                try String.fetchOne(db, sql: "SELECT status FROM send WHERE send_id = ?", arguments: [sendID])
            }) ?? nil
        }
        email = RecordingChannel(statusOf: statusOf, script: emailScript)
        webhook = RecordingChannel(statusOf: statusOf)
    }

    static func time(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970)
    }

    /// `count` customers `C1…` (internal ids 1…), each with email and webhook consent and one
    /// old purchase, imported.
    func customers(_ count: Int, timeZone: String? = nil) throws {
        let fixture = try StoreFixture(store: store)
        let ids = (0..<count).map { "C\($0 + 1)" }
        try fixture.customers(ids.enumerated().map { index, id in
            StoreFixture.Customer(
                id, email: "c\(index + 1)@example.fi", name: "Name \(index + 1)", street: "Katu 1", postalCode: "00100",
                city: "Helsinki", country: "FI", timeZone: timeZone)
        })
        try fixture.consents(ids.flatMap { [StoreFixture.Consent($0, "email", at: 0), StoreFixture.Consent($0, "webhook", at: 0)] })
        try fixture.purchases(ids.map { StoreFixture.Purchase($0, order: "O\($0.dropFirst())", at: Self.time("2026-01-01T00:00:00Z"), amountMinor: 1000) })
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

    /// The count `sql` selects, on the store the engines run on: the PostgreSQL copy once one was
    /// made, else the SQLite store.
    func count(_ sql: String) throws -> Int {
        if let copy = postgres.copy { return try #require(Int(try copy.value(sql)), "\(sql)") }
        return try store.database.read { try Int.fetchOne($0, sql: sql)! }
    }
}
