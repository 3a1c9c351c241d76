@testable import CustomerStore
import Foundation
import PostgresStore
import Testing
import TestSupport

/// A copy whose connection is cut mid-`COPY` (the server ending the backend, as a restart does)
/// ends in one line and commits nothing; before `failingOnClose`, the writer waited for ever.
@Suite("SQLite to PostgreSQL copy: a lost connection", .serialized)
struct CopyConnectionLossTests {
    @Test("a connection cut during COPY ends the copy with an error, and nothing is committed")
    func connectionCut() async throws {
        let sqlite = try SQLiteTestStore()
        let data = sqlite.directory + "/data"
        try SyntheticData(customers: 1500, purchases: 15000, seed: 18, until: 1_793_491_200, demo: false).write(to: data)
        for (kind, name) in SyntheticData.files {
            var importer = Importer(store: sqlite.store, timeZone: TimeZone(identifier: "Europe/Helsinki")!)
            importer.onProblem = { Issue.record("import problem: \($0)") }
            _ = try importer.run(kind, path: "\(data)/\(name)")
        }
        let postgres = try await PostgresTestStore()
        let copy = Task { try await SQLiteToPostgresCopy(from: sqlite.store, to: postgres.store, pageSize: 200).run() }
        var cut = false
        for _ in 0..<1200 where !cut {
            try await Task.sleep(for: .milliseconds(25))
            let ended = try postgres.psql(
                """
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'COPY %' AND pid <> pg_backend_pid()) AS ended
                """)
            cut = (Int(ended.first ?? "") ?? 0) > 0
        }
        #expect(cut, "no COPY was seen running")
        // Bounded: a copy that hangs fails the test instead of stalling the run (a hung Task's
        // value cannot be awaited with a timeout, so the two race to one continuation).
        let outcome: String? = await withCheckedContinuation { continuation in
            let once = Once()
            let finish: @Sendable (String?) -> Void = { if once.first() { continuation.resume(returning: $0) } }
            Task {
                do {
                    _ = try await copy.value
                    finish("the copy succeeded")
                } catch let error as PostgresStoreError {
                    finish(error.description.contains("\n") ? "two lines: \(error)" : nil)
                } catch {
                    finish("not a PostgresStoreError: \(error)")
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(60))
                finish("still running 60 s after its connection was cut")
            }
        }
        #expect(outcome == nil, "\(outcome ?? "")")
        #expect(try postgres.psql("SELECT count(*) FROM customer") == ["0"])
        await postgres.store.close()
    }
}

/// True for the first caller only.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func first() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
