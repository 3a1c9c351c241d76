import Foundation
@testable import PostgresStore
import Testing
import TestSupport

/// A daemon's short operations give up at their deadline instead of waiting for ever on a query
/// that never answers (reliability scenario 17 saw such waits after a server restart).
@Suite("PostgreSQL: operations with a deadline")
struct ConnectionDeadlineTests {
    @Test("an operation still running at its deadline fails with one line, and the store goes on working")
    func abandoned() async throws {
        let test = try await PostgresTestStore()
        defer { Task { await test.store.close() } }
        // A statement that answers only after two minutes stands for one that never does.
        let started = ContinuousClock.now
        let error = await #expect(throws: ConnectionPool.Unanswered.self) {
            try await test.store.withConnection(deadline: .seconds(1)) { connection in
                try await connection.execute("SELECT pg_sleep(120)")
            }
        }
        #expect(error?.description == "no answer within 1 s; the connection was closed")
        #expect(ContinuousClock.now - started < .seconds(100), "the caller waited for the statement")
        // The abandoned operation's connection is closed; the pool lends others.
        try await test.store.ping()
        #expect(try await test.store.withConnection(deadline: .seconds(60)) { try await $0.rows("SELECT 41 + 1") }.first?.first
            .flatMap { $0.int } == 42)
    }
}
