@testable import CustomerStore
import Engine
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// A journey's entry scan that tests only the customers changed since its last one
/// (`JourneyEntry.Scope.changedSince`) enrols exactly the customers a full scan would.
@Suite("journeys: entry scans of changed customers only")
struct JourneyEntryScanTests {
    static let journeys = """
        segment key = spent in last 365 days >= 60
        journey "first" {
          enter when orders = 1 and purchase in last 30 days and consent email
          step "thanks" { send email "onboarding-thanks" }
          wait 2 days
          step "tips" { send email "onboarding-tips" }
        }
        journey "detractor" {
          enter when nps <= 6 and consent email and not tagged "calm"
          step "sorry" { send email "we-miss-you" }
        }
        journey "vip" {
          enter when key and consent email
          exit when no purchase in last 60 days
          step "welcome" { send email "onboarding-thanks" }
        }
        journey "active" {
          enter when (purchase in last 5 days or feedback in last 5 days) and city = "Turku"
          step "hello" { send email "onboarding-thanks" }
        }
        journey "lapsed" {
          enter when no purchase in last 10 days and orders >= 1 and consent email
          step "miss" { send email "we-miss-you" }
        }
        journey "again" {
          enter when purchase in last 3 days
          reenter after 4 days
          step "again" { send email "onboarding-thanks" }
        }
        """

    static let start = EngineFixture.time("2026-10-01T09:00:00Z")

    /// One random change to the data, applied alike to both stores.
    enum Edit {
        case customer(String, city: String, tags: [String])
        case purchase(String, at: Int64, amount: Int64)
        case feedback(String, score: Int, at: Int64)
        case consent(String, granted: Bool, at: Int64)
        case suppress(String, at: Int64)
        case unsuppress(String)
        case forget(String)

        func apply(to fx: EngineFixture, now: Int64) throws {
            let fixture = try StoreFixture(store: fx.store)
            switch self {
            case .customer(let id, let city, let tags):
                try fixture.customer(StoreFixture.Customer(
                    id, email: "\(id.lowercased())@example.fi", name: "Name \(id)", street: "Katu 1", postalCode: "00100",
                    city: city, country: "FI", timeZone: "Europe/Helsinki", tags: tags))
            case .purchase(let id, let at, let amount):
                try fixture.purchases([StoreFixture.Purchase(id, at: at, amountMinor: amount)])
            case .feedback(let id, let score, let at):
                try fixture.feedback([StoreFixture.Feedback(id, "nps", score: score, at: at)])
            case .consent(let id, let granted, let at):
                try fixture.consents([StoreFixture.Consent(id, "email", granted: granted, at: at)])
            case .suppress(let id, let at):
                try fixture.suppress(channel: "email", address: "\(id.lowercased())@example.fi", at: at)
            case .unsuppress(let id):
                try fx.store.database.write { db in
                    try db.execute(sql: "DELETE FROM suppression WHERE address = ?", arguments: ["\(id.lowercased())@example.fi"])
                }
            case .forget(let id):
                _ = try fx.store.erase(externalID: id, now: now)
            }
        }
    }

    /// Random edits at instant `now` among customers `ids`; times from 40 days back to 3 days ahead.
    static func edits(_ rng: inout SplitMix64, ids: inout [String], next: inout Int, now: Int64) -> [Edit] {
        var edits: [Edit] = []
        func time() -> Int64 { now + Int64.random(in: -40 * 86_400...3 * 86_400, using: &rng) }
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            guard let id = ids.randomElement(using: &rng) else { break }
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<7: edits.append(.purchase(id, at: time(), amount: Int64.random(in: 5...40, using: &rng)))
            case 7..<10: edits.append(.feedback(id, score: Int.random(in: 0...10, using: &rng), at: time()))
            case 10..<12: edits.append(.consent(id, granted: Bool.random(using: &rng), at: time()))
            case 12..<14:
                edits.append(.customer(
                    id, city: ["Turku", "Oulu"].randomElement(using: &rng)!, tags: Bool.random(using: &rng) ? ["calm"] : []))
            case 14: edits.append(.suppress(id, at: time()))
            case 15: edits.append(.unsuppress(id))
            case 16:
                edits.append(.forget(id))
                ids.removeAll { $0 == id }
            default:
                let new = "N\(next)"
                next += 1
                ids.append(new)
                edits.append(.customer(new, city: "Turku", tags: []))
                edits.append(.consent(new, granted: true, at: time()))
            }
        }
        return edits
    }

    /// (customer, journey, entered) of every enrolment.
    static func entries(_ fx: EngineFixture) throws -> [String] {
        try fx.store.enrolments.all().map { "\($0.externalID ?? "-") \($0.enrolment.journey) \($0.enrolment.enteredAt)" }.sorted()
    }

    @Test("changed-only scans enrol exactly as full scans, over random imports, consents, suppressions, forgets and instants",
          arguments: [1, 2, 3] as [UInt64])
    func sameEnrolmentsAsFullScans(seed: UInt64) async throws {
        let incremental = try EngineFixture(now: "2026-10-01T09:00:00Z")
        let full = try EngineFixture(now: "2026-10-01T09:00:00Z")
        var rng = SplitMix64(seed: seed)  // the same edits on both stores
        var ids = (1...30).map { "C\($0)" }
        var next = 1
        let history = ids.flatMap { id in
            (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                Edit.purchase(
                    id, at: Self.start + Int64.random(in: -40 * 86_400...3 * 86_400, using: &rng),
                    amount: Int64.random(in: 5...40, using: &rng))
            }
        }
        for fx in [incremental, full] {
            try fx.journeyCustomers(ids)
            for edit in history { try edit.apply(to: fx, now: Self.start) }
        }
        let ruleSet = try incremental.ruleSet(Self.journeys)
        let (engineA, _) = try incremental.engine(ruleSet: ruleSet)
        let (engineB, _) = try full.engine(ruleSet: ruleSet)
        var instant = Self.start
        var changedOnlyScans = 0
        for round in 0..<24 {
            // Mostly 12 hours on; now and then back a day (a tick at an earlier instant).
            instant += round > 0 && round % 7 == 0 ? -86_400 : 12 * 3600
            let edits = Self.edits(&rng, ids: &ids, next: &next, now: instant)
            for fx in [incremental, full] {
                for edit in edits { try edit.apply(to: fx, now: instant) }
            }
            // The full store forgets its scans: every journey tests everyone.
            try await full.store.database.write { try $0.execute(sql: "DELETE FROM journey_entry_scan") }
            let settings = EvaluationSettings(
                now: instant, businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR", contactPressureMessages: 100)
            let found = try await incremental.store.inSnapshot {
                try JourneyEntry(ruleSet: ruleSet, settings: settings).entrants(in: $0)
            }
            changedOnlyScans += found.incremental.values.filter { $0 }.count
            // Journeys that time alone can make true never scan changed customers only.
            #expect(found.incremental["lapsed"] != true && found.incremental["again"] != true)
            try await engineA.tick(at: instant)
            try await engineB.tick(at: instant)
            #expect(try Self.entries(incremental) == Self.entries(full), "round \(round) at \(instant)")
        }
        // The comparison means something: most scans of the other journeys were changed-only.
        #expect(changedOnlyScans >= 24)
        #expect(try Self.entries(full).count >= 10)
    }
}
