@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import RuleLanguage
import Synchronization
import Testing
import TestSupport

/// What journey tests share: the journeys themselves are written as text (`journey "NAME" { … }`)
/// and go through the real parser and checker (`EngineFixture.ruleSet(_:)`).
extension EngineFixture {
    /// An engine over `ruleSet`, which `swap` replaces (then `engine.reload()`).
    func engine(ruleSet: RuleSet, cap: Int = 100, capDays: Int = 7, quietHours: QuietHours? = nil) throws -> (Engine, RuleSetBox) {
        let box = RuleSetBox(ruleSet)
        let engine = try Engine(store: store, clock: clock, logger: logger, random: { 0.5 }, loader: loader(box, cap: cap, capDays: capDays, quietHours: quietHours))
        return (engine, box)
    }

    /// `engine(ruleSet:cap:capDays:quietHours:)` on `kind`: the SQLite store, or its PostgreSQL copy
    /// (made now with everything written so far; write later history with `purchase`, which
    /// writes to both).
    func engine(
        ruleSet: RuleSet, cap: Int = 100, capDays: Int = 7, quietHours: QuietHours? = nil, on kind: StoreKind
    ) async throws -> (Engine, RuleSetBox) {
        guard kind == .postgres else { return try engine(ruleSet: ruleSet, cap: cap, capDays: capDays, quietHours: quietHours) }
        let box = RuleSetBox(ruleSet)
        let copy = try await postgresCopy()
        let engine = try Engine(
            store: PostgresEngineStore(store: copy.store, leaseSeconds: 60), clock: clock, logger: logger, random: { 0.5 },
            loader: loader(box, cap: cap, capDays: capDays, quietHours: quietHours))
        return (engine, box)
    }

    /// The configuration the journey engines load: `box`'s rule set, email and webhook channels.
    private func loader(_ box: RuleSetBox, cap: Int, capDays: Int, quietHours: QuietHours?) -> @Sendable () throws -> EngineConfiguration {
        let email = self.email
        let webhook = self.webhook
        return {
            EngineConfiguration(
                runtime: EngineRuntime(
                    ruleSet: box.value.withLock { $0 }, channels: [.email: email, .webhook: webhook],
                    businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", defaultEmailQuietHours: quietHours),
                policy: DispatchPolicy(concurrency: 4, ratePerSecond: [:], retry: RetryPolicy(initialDelay: 60, maxDelay: 3600, maxAge: 86_400)),
                tickSeconds: 3600, contactPressureMessages: cap, contactPressureDays: capDays, slices: 2)
        }
    }

    /// Customers with email consent and a complete address, in `timeZone`, no purchases.
    func journeyCustomers(_ ids: [String], timeZone: String? = "Europe/Helsinki") throws {
        let fixture = try StoreFixture(store: store)
        _ = try fixture.customers(ids.map { id in
            StoreFixture.Customer(
                id, email: "\(id.lowercased())@example.fi", name: "Name \(id)", street: "Katu 1", postalCode: "00100",
                city: "Helsinki", country: "FI", timeZone: timeZone)
        })
        try fixture.consents(ids.map { StoreFixture.Consent($0, "email", at: 0) })
    }

    /// A purchase of 25 EUR, in the SQLite store and, once made, its PostgreSQL copy.
    func purchase(_ customer: String, at: Int64) throws {
        try purchases([StoreFixture.Purchase(customer, at: at, amountMinor: 2500)])
    }

    /// Every row `sql` selects, on the store the engines run on, values as SQLite gives them.
    func tableRows(_ sql: String) async throws -> [[SQLValue]] {
        if let copy = postgres.copy { return try await copy.store.inSnapshot(for: "test") { try await $0.rows(sql, arguments: []) } }
        return try await store.database.read { db in
            try Row.fetchAll(db, sql: sql).map(\.sqlValues)
        }
    }

    /// Ticks every `step` seconds from `start` for `count` ticks, dispatching after each;
    /// `before(instant)` runs before each tick (purchases, edits).
    func simulate(
        _ engine: Engine, from start: Int64, every step: Int64 = 3600, count: Int, before: (Int64) async throws -> Void = { _ in }
    ) async throws {
        for index in 0..<count {
            let instant = start + Int64(index) * step
            clock.advance(Double(instant) - clock.now())
            try await before(instant)
            try await engine.tick(at: instant)
            _ = try await engine.dispatchDue()
        }
    }

    /// (customer, send name, status, decided at, reason) of every send-log row of journeys, by
    /// customer then decision, on the store the engines run on.
    func journeySends() async throws -> [String] {
        try await tableRows(
            """
            SELECT c.external_id, s.rule, s.status, s.decided_at, s.reason FROM send s JOIN customer c ON c.id = s.customer_id
            WHERE s.journey IS NOT NULL ORDER BY c.external_id, s.decided_at, s.id
            """
        ).map { row in
            let status = row[2].string ?? ""
            // A sent row's reason is the channel's receipt: not shown.
            let reason = status == "sent" ? nil : row[4].string
            return "\(row[0].string ?? "") \(row[1].string ?? "") \(status) "
                + Self.text(row[3].int64 ?? 0) + (reason.map { " (\($0))" } ?? "")
        }
    }

    /// (customer, entered, how it ended, when, at step) of every enrolment, on the store the
    /// engines run on.
    func enrolmentLines() async throws -> [String] {
        try await tableRows(
            """
            SELECT c.external_id, e.journey, e.entered_at, e.step, e.ended, e.ended_detail, e.ended_at, e.wait_ends_at
            FROM enrolment e LEFT JOIN customer c ON c.id = e.customer_id ORDER BY e.entered_at, e.id
            """
        ).map { row in
            func text(_ index: Int) -> String? { row[index].string }
            func instant(_ index: Int) -> String { Self.text(row[index].int64 ?? 0) }
            let end = text(4).map { "\($0)\(text(5).map { ": \($0)" } ?? "") \(instant(6))" } ?? "waiting until \(instant(7))"
            return "\(text(0) ?? "-") \(text(1) ?? "") entered \(instant(2)) at \(text(3) ?? "") \(end)"
        }
    }

    static func text(_ instant: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(instant)))
    }
}

/// The rule set an engine loads, replaced by tests that edit journeys.
final class RuleSetBox: Sendable {
    let value: Mutex<RuleSet>
    init(_ ruleSet: RuleSet) { value = Mutex(ruleSet) }
    func swap(_ ruleSet: RuleSet) { value.withLock { $0 = ruleSet } }
}
