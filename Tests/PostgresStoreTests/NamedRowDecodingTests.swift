import CustomerStore
import Foundation
import GRDB
@testable import PostgresStore
import Testing

/// Records read by column name decode the same from either store: the SQLite store through
/// GRDB's rows, the PostgreSQL store through `SQLRow`s (`namedRows`), with one decoding each.
@Suite("records by column name on both stores")
struct NamedRowDecodingTests {
    static let writes = [
        "INSERT INTO customer(external_id) VALUES ('C1')",
        """
        INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, holdout, step, step_since, wait_ends_at,
                              ended, ended_detail, ended_at)
        VALUES ('onboarding', (SELECT id FROM customer), 100, 'h1', 1, 'first', 100, 200, 'left', 'step removed', 150),
               ('onboarding', (SELECT id FROM customer), 300, 'h2', 0, 'second', 300, 400, NULL, NULL, NULL)
        """,
        """
        INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status,
                         updated_at, due_at, attempts, coupon, variant)
        VALUES ('s-1', 'welcome', 'h', (SELECT id FROM customer), 'webhook', 't', 1, 10, 'queued', 10, 1000, 2, NULL, 'b')
        """,
    ]

    @Test("enrolments, a send log entry and a claimed send read alike from SQLite and PostgreSQL")
    func sameRecords() async throws {
        let postgres = try await PostgresTestStore()
        defer { Task { await postgres.store.close() } }
        let sqlite = try SQLiteTestStore()
        for statement in Self.writes {
            try await sqlite.queue.write { try $0.execute(sql: statement) }
            _ = try postgres.psql(statement)
        }

        let enrolments = try await postgres.store.inSnapshot { try await $0.enrolments(ofCustomer: "C1") }
        #expect(enrolments == (try sqlite.store.enrolments.of(customer: "C1").map(\.enrolment)))
        #expect(enrolments.map(\.holdout) == [true, false])
        #expect(enrolments.map(\.ended) == [.left, nil])
        #expect(enrolments.map(\.endedDetail) == ["step removed", nil])

        let filter = SendLogFilter(rule: "welcome")
        let entries = try await postgres.store.sendLogEntries(filter)
        #expect(entries == (try sqlite.store.sendLog.entries(filter)))
        #expect(entries.map(\.externalID) == ["C1"])

        let claimed = try await postgres.store.claimDue(limit: 5, now: 1000, owner: "test", leaseSeconds: 60) { _, _ in () }.sends
        let claimedOnSQLite = try await sqlite.store.sendLog.claimDue(limit: 5, now: 1000) { _, _ in () }.sends
        #expect(claimed.map(\.sendID) == ["s-1"])
        #expect(claimed.map(\.variant) == claimedOnSQLite.map(\.variant))
        #expect(claimed.map(\.attempts) == claimedOnSQLite.map(\.attempts))
        #expect(claimed.map(\.status) == claimedOnSQLite.map(\.status))
    }
}
