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
        let email = self.email
        let webhook = self.webhook
        let engine = try Engine(store: store, clock: clock, logger: logger, random: { 0.5 }) {
            EngineConfiguration(
                runtime: EngineRuntime(
                    ruleSet: box.value.withLock { $0 }, channels: [.email: email, .webhook: webhook],
                    businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", defaultEmailQuietHours: quietHours),
                policy: DispatchPolicy(concurrency: 4, ratePerSecond: [:], retry: RetryPolicy(initialDelay: 60, maxDelay: 3600, maxAge: 86_400)),
                tickSeconds: 3600, contactPressureMessages: cap, contactPressureDays: capDays, slices: 2)
        }
        return (engine, box)
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

    func purchase(_ customer: String, at: Int64) throws {
        try StoreFixture(store: store).purchases([StoreFixture.Purchase(customer, at: at, amountMinor: 2500)])
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
    /// customer then decision.
    func journeySends() throws -> [String] {
        try store.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.external_id, s.rule, s.status, s.decided_at, s.reason FROM send s JOIN customer c ON c.id = s.customer_id
                    WHERE s.journey IS NOT NULL ORDER BY c.external_id, s.decided_at, s.id
                    """
            ).map { row in
                // A sent row's reason is the channel's receipt: not shown.
                let reason: String? = row[2] as String == "sent" ? nil : row[4]
                return "\(row[0] as String) \(row[1] as String) \(row[2] as String) \(Self.text(row[3]))"
                    + (reason.map { " (\($0))" } ?? "")
            }
        }
    }

    /// (customer, entered, how it ended, when, at step) of every enrolment.
    func enrolmentLines() throws -> [String] {
        try store.enrolments.all().map { entry in
            let e = entry.enrolment
            let end = e.ended.map { "\($0.rawValue)\(e.endedDetail.map { ": \($0)" } ?? "") \(Self.text(e.endedAt!))" }
                ?? "waiting until \(Self.text(e.waitEndsAt))"
            return "\(entry.externalID ?? "-") \(e.journey) entered \(Self.text(e.enteredAt)) at \(e.step) \(end)"
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
