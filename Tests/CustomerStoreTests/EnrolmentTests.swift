@testable import CustomerStore
import Foundation
import GRDB
import Testing

@Suite("journey enrolments in the store")
struct EnrolmentTests {
    /// Runs `body` with the tick's writers in one committed write transaction.
    func inTick<T>(_ store: CustomerStore, _ body: (DecisionWriter, EnrolmentWriter) throws -> T) throws -> T {
        try store.database.write { db in
            let writer = try DecisionWriter(db)
            return try body(writer, try writer.enrolments())
        }
    }

    func enrol(_ writer: EnrolmentWriter, customer: Int64, at: Int64) throws -> Int64? {
        try writer.enrol(
            journey: "onboarding", journeyHash: "h1", customerID: customer, enteredAt: at, holdout: false, step: "thanks",
            waitEndsAt: at)
    }

    @Test("one active enrolment per journey and customer; the same entry twice is nothing; re-entry after the end is a new row")
    func uniqueness() throws {
        let test = try TestStore()
        _ = try test.importFile(.customers, test.file("c.csv", "id,email\nC1,a@example.fi\nC2,b@example.fi\n"))
        let first = try inTick(test.store) { _, enrolments in
            (try enrol(enrolments, customer: 1, at: 100), try enrol(enrolments, customer: 1, at: 100), try enrol(enrolments, customer: 1, at: 200))
        }
        #expect(first.0 != nil && first.1 == nil && first.2 == nil)
        // A re-run tick (another transaction) changes nothing either.
        #expect(try inTick(test.store) { _, enrolments in try enrol(enrolments, customer: 1, at: 100) } == nil)
        let ended = try inTick(test.store) { _, enrolments in
            try enrolments.end(first.0!, as: .completed, at: 150)
        }
        #expect(ended)
        #expect(try inTick(test.store) { _, enrolments in try enrolments.end(first.0!, as: .goal, at: 160) } == false)
        let again = try inTick(test.store) { _, enrolments in try enrol(enrolments, customer: 1, at: 300) }
        #expect(again != nil)
        // The table itself refuses a second active row, whoever writes it.
        #expect(throws: DatabaseError.self) {
            try test.store.database.write { db in
                try db.execute(sql: """
                    INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, step, step_since, wait_ends_at)
                    VALUES ('onboarding', 1, 400, 'h', 'thanks', 400, 400)
                    """)
            }
        }
        let all = try test.store.enrolments.all(journey: "onboarding")
        #expect(all.map(\.enrolment.enteredAt) == [100, 300])
        #expect(all.map(\.enrolment.ended) == [.completed, nil])
        let counts = try test.store.enrolments.counts(now: 300)
        #expect(counts.count == 1 && counts[0].activeByStep == ["thanks": 1] && counts[0].endedByReason == ["completed": 1])
        #expect(counts[0].waitingByStep == ["thanks": 0] && counts[0].activeByVersion == ["h1": 1])
    }

    @Test("advance keeps the row; the dispatcher ends an enrolment by its send's journey, customer and window key")
    func advanceAndEnd() async throws {
        let test = try TestStore()
        _ = try test.importFile(.customers, test.file("c.csv", "id,email\nC1,a@example.fi\n"))
        let id = try #require(try inTick(test.store) { _, enrolments in try enrol(enrolments, customer: 1, at: 100) })
        try inTick(test.store) { _, enrolments in
            try enrolments.advance(id, to: "tips", since: 100, waitEndsAt: 100 + 3 * 86_400, journeyHash: "h2")
        }
        let advanced = try #require(try test.store.enrolments.of(customer: "C1").first?.enrolment)
        #expect(advanced.step == "tips" && advanced.waitEndsAt == 100 + 3 * 86_400 && advanced.journeyHash == "h2")
        #expect(try await test.store.enrolments.end(journey: "onboarding", customerID: 1, enteredAt: 100, as: .goal, at: 500))
        #expect(try await !test.store.enrolments.end(journey: "onboarding", customerID: 1, enteredAt: 100, as: .left, at: 600))
        let ended = try #require(try test.store.enrolments.of(customer: "C1").first?.enrolment)
        #expect(ended.ended == .goal && ended.endedAt == 500 && ended.step == "tips")
    }

    @Test("erasure ends active enrolments `left: erased` and keeps the rows without the customer")
    func erasure() throws {
        let test = try TestStore()
        _ = try test.importFile(.customers, test.file("c.csv", "id,email\nC1,a@example.fi\n"))
        _ = try inTick(test.store) { writer, enrolments in
            _ = try enrol(enrolments, customer: 1, at: 100)
            _ = try writer.record(
                SendDecision(
                    sendID: "s1", rule: "onboarding/thanks", ruleHash: "h1", customerID: 1, channel: "email", target: "t",
                    windowKey: 100, decidedAt: 100, status: .queued, reason: nil, evidence: "{}", dueAt: 100,
                    journey: "onboarding", step: "thanks"))
        }
        _ = try test.store.erase(externalID: "C1", now: 700)
        let row = try #require(try test.store.database.read { try Row.fetchOne($0, sql: "SELECT * FROM enrolment") })
        #expect(row["customer_id"] as Int64? == nil && row["ended"] as String == "left")
        #expect(row["ended_detail"] as String == "erased" && row["ended_at"] as Int64 == 700)
        let send = try #require(try test.store.database.read { try Row.fetchOne($0, sql: "SELECT * FROM send") })
        #expect(send["status"] as String == "skipped" && send["journey"] as String == "onboarding" && send["step"] as String == "thanks")
    }
}
