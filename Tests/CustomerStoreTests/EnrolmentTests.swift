@testable import CustomerStore
import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// Journey enrolments through the tick's writer (`JourneyTickWriter`: SQLite's `DecisionWriter`,
/// PostgreSQL's `PostgresJourneyWriter`) and outside a tick, on both stores (`TestStore(on:)`).
@Suite("journey enrolments in the store")
struct EnrolmentTests {
    /// Runs `body` with the tick's writer of the store the test runs on, in one committed
    /// transaction.
    func inTick<T: Sendable>(_ test: TestStore, _ body: @escaping @Sendable (any JourneyTickWriter) throws -> T) async throws -> T {
        guard let postgres = test.postgres else {
            return try await test.store.database.write { db in try body(try DecisionWriter(db)) }
        }
        return try #require(try await postgres.inTickTransaction { try await $0.withJourneyWriter { try body($0) }.result })
    }

    static func entrant(customer: Int64, at: Int64) -> NewEnrolment {
        NewEnrolment(
            journey: "onboarding", journeyHash: "h1", customerID: customer, enteredAt: at, holdout: false, step: "thanks",
            waitEndsAt: at)
    }

    /// The id of the customer's active enrolment in "onboarding", read in the tick.
    static func activeID(_ writer: any JourneyTickWriter, customer: Int64) throws -> Int64? {
        try writer.journeyRows(
            "SELECT id FROM enrolment WHERE journey = 'onboarding' AND customer_id = ? AND ended IS NULL",
            arguments: [customer.sqlValue]
        ).first.flatMap { $0[0].int64 }
    }

    /// A new store of `kind` holding `customers` (C1, C2, …); the caller closes it.
    func store(on kind: StoreKind, customers: Int) async throws -> TestStore {
        let test = try await TestStore(on: kind)
        let rows = (1...customers).map { "C\($0),c\($0)@example.fi\n" }.joined()
        try await test.load(.customers, test.file("c.csv", "id,email\n" + rows))
        return test
    }

    /// The enrolments of customer C1, as the dispatcher and `explain` read them.
    func enrolmentsOfC1(_ test: TestStore) async throws -> [Enrolment] {
        guard let postgres = test.postgres else { return try test.store.enrolments.of(customer: "C1").map(\.enrolment) }
        return try await postgres.inSnapshot { try await $0.enrolments(ofCustomer: "C1") }
    }

    @Test(
        "one active enrolment per journey and customer; the same entry twice is nothing; re-entry after the end is a new row",
        arguments: StoreKind.allCases)
    func uniqueness(on kind: StoreKind) async throws {
        let test = try await store(on: kind, customers: 2)
        defer { test.closeLater() }
        // One batch: the same entry twice, and another entry while the first is active; then
        // customer 2 beside customer 1's entry, which a second batch of the same tick repeats.
        let first = try await inTick(test) { writer in
            (try writer.enrol([Self.entrant(customer: 1, at: 100), Self.entrant(customer: 1, at: 100), Self.entrant(customer: 1, at: 200)]),
             try writer.enrol([Self.entrant(customer: 2, at: 100), Self.entrant(customer: 1, at: 100)]),
             try Self.activeID(writer, customer: 1))
        }
        #expect(first.0 == [true, false, false])
        #expect(first.1 == [true, false])
        let id = try #require(first.2)
        // A re-run tick (another transaction) changes nothing either.
        #expect(try await inTick(test) { try $0.enrol([Self.entrant(customer: 1, at: 100)]) } == [false])
        #expect(try await inTick(test) { try $0.endEnrolment(id, as: .completed, detail: nil, at: 150, journeyHash: nil) })
        #expect(try await inTick(test) { try $0.endEnrolment(id, as: .goal, detail: nil, at: 160, journeyHash: nil) } == false)
        #expect(try await inTick(test) { try $0.enrol([Self.entrant(customer: 1, at: 300)]) } == [true])
        // The table itself refuses a second active row, whoever writes it.
        await #expect(throws: (any Error).self) {
            try await test.execute("""
                INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, step, step_since, wait_ends_at)
                VALUES ('onboarding', 1, 400, 'h', 'thanks', 400, 400)
                """)
        }
        let all = try await test.texts(
            "SELECT entered_at || ':' || coalesce(ended, 'active') FROM enrolment WHERE customer_id = 1 ORDER BY entered_at, id")
        #expect(all == ["100:completed", "300:active"])
        let counts = try await test.postgres?.journeyCounts(now: 300) ?? test.store.enrolments.counts(now: 300)
        #expect(counts.count == 1 && counts[0].activeByStep == ["thanks": 2] && counts[0].endedByReason == ["completed": 1])
        #expect(counts[0].waitingByStep == ["thanks": 0] && counts[0].activeByVersion == ["h1": 2])
    }

    @Test(
        "advance keeps the row; the dispatcher ends an enrolment by its send's journey, customer and window key",
        arguments: StoreKind.allCases)
    func advanceAndEnd(on kind: StoreKind) async throws {
        let test = try await store(on: kind, customers: 1)
        defer { test.closeLater() }
        let id = try #require(try await inTick(test) { writer in
            _ = try writer.enrol([Self.entrant(customer: 1, at: 100)])
            return try Self.activeID(writer, customer: 1)
        })
        try await inTick(test) { writer in
            try writer.advanceEnrolment(id, to: "tips", since: 100, waitEndsAt: 100 + 3 * 86_400, journeyHash: "h2")
        }
        let advanced = try #require(try await enrolmentsOfC1(test).first)
        #expect(advanced.step == "tips" && advanced.waitEndsAt == 100 + 3 * 86_400 && advanced.journeyHash == "h2")
        #expect(advanced.stepSince == 100 && advanced.ended == nil)
        func end(as reason: EnrolmentEnd, at instant: Int64) async throws -> Bool {
            guard let postgres = test.postgres else {
                return try await test.store.enrolments.end(journey: "onboarding", customerID: 1, enteredAt: 100, as: reason, at: instant)
            }
            return try await postgres.endEnrolment(journey: "onboarding", customerID: 1, enteredAt: 100, as: reason, detail: nil, at: instant)
        }
        #expect(try await end(as: .goal, at: 500))
        #expect(try await !end(as: .left, at: 600))
        let ended = try #require(try await enrolmentsOfC1(test).first)
        #expect(ended.ended == .goal && ended.endedAt == 500 && ended.step == "tips")
    }

    @Test("erasure ends active enrolments `left: erased` and keeps the rows without the customer", arguments: StoreKind.allCases)
    func erasure(on kind: StoreKind) async throws {
        let test = try await store(on: kind, customers: 1)
        defer { test.closeLater() }
        let status = try await inTick(test) { writer in
            _ = try writer.enrol([Self.entrant(customer: 1, at: 100)])
            return try writer.recordStep(
                SendDecision(
                    sendID: "s1", rule: "onboarding/thanks", ruleHash: "h1", customerID: 1, channel: "email", target: "t",
                    windowKey: 100, decidedAt: 100, status: .queued, reason: nil, evidence: "{}", dueAt: 100,
                    journey: "onboarding", step: "thanks"),
                couponPool: nil)
        }
        #expect(status == .queued)
        let erasure = try await test.postgres?.erase(externalID: "C1", now: 700) ?? test.store.erase(externalID: "C1", now: 700)
        #expect(erasure.sendsCancelled == 1 && erasure.sendsScrubbed == 1)
        let enrolment = try await test.texts(
            "SELECT coalesce(CAST(customer_id AS TEXT), 'none') || ':' || ended || ':' || ended_detail || ':' || ended_at FROM enrolment")
        #expect(enrolment == ["none:left:erased:700"])
        let send = try await test.texts("SELECT status || ':' || journey || ':' || step FROM send")
        #expect(send == ["skipped:onboarding:thanks"])
    }
}
