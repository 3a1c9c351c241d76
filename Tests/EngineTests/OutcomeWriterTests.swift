@testable import CustomerStore
@testable import Engine
import Foundation
import GRDB
import Testing
import TestSupport

@Suite("dispatch record stage: outcomes by group commit")
struct OutcomeWriterTests {
    @Test("outcomes committed from many sends at once all land, each as its own kind, and each commit returns after its write")
    func concurrentCommits() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-outcomes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try CustomerStore(path: "\(directory)/store.sqlite", currency: "EUR")
        let fixture = try StoreFixture(store: store)
        let ids = try fixture.customers((0..<64).map { StoreFixture.Customer("C\($0)", email: "c\($0)@example.fi") })
        try fixture.sends(ids.map { StoreFixture.send("r", customer: $0, at: 1_000, status: .queued, dueAt: 1_000) })
        let claimed = try await store.sendLog.claimDue(limit: 100, now: 2_000)
        #expect(claimed.count == 64)

        let writer = OutcomeWriter(store: store)
        func change(_ index: Int) -> SendOutcome.Change {
            switch index % 4 {
            case 0: .sent(attempts: 1, receipt: "250 OK")
            case 1: .retry(attempts: 1, dueAt: 3_000, error: "451 later")
            case 2: .failed(attempts: 1, error: "550 no", hardBounce: false)
            default: .finished(status: .skipped, reason: "no_consent at dispatch", attempts: nil)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, send) in claimed.enumerated() {
                group.addTask {
                    try await writer.commit(SendOutcome(send, change(index), at: 2_001))
                    // Returned: the outcome is in the store.
                    let status = try await store.database.read { try String.fetchOne($0, sql: "SELECT status FROM send WHERE id = ?", arguments: [send.id]) }
                    #expect(status != "in_flight", "send \(send.id) committed")
                }
            }
            try await group.waitForAll()
        }
        let counts = try await store.database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT status, count(*) FROM send GROUP BY status").map { ($0[0] as String, $0[1] as Int) })
        }
        #expect(counts == ["sent": 16, "queued": 16, "failed": 16, "skipped": 16])
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM send WHERE status = 'queued' AND due_at = 3000 AND last_error = '451 later'") } == 16)
    }
}
