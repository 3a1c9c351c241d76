import CustomerStore
import Foundation
import PostgresStore
import Testing

/// `PostgresStore.inConsistentSnapshots`: the slices a sliced `plan` evaluates on see one state.
@Suite("PostgreSQL: consistent snapshots on several connections")
struct ConsistentSnapshotTests {
    @Test("every snapshot sees the state of the first, not a commit that landed after it")
    func sameState() async throws {
        let test = try await PostgresTestStore()
        _ = try test.psql("INSERT INTO customer (external_id) VALUES ('C1'), ('C2')")
        let counts = try await test.store.inConsistentSnapshots(count: 3, for: "count customers") { snapshots -> [String] in
            #expect(snapshots.count == 3)
            // The first snapshot's state is fixed by its first query; another customer commits
            // after it, before the others read anything.
            let first = try await Self.customerCount(snapshots[0])
            _ = try test.psql("INSERT INTO customer (external_id) VALUES ('C3')")
            var counts = [first]
            for snapshot in snapshots.dropFirst() { counts.append(try await Self.customerCount(snapshot)) }
            return counts
        }
        #expect(counts == ["2", "2", "2"])
        #expect(try test.psql("SELECT count(*) FROM customer") == ["3"])
    }

    @Test("never more snapshots than the pool has connections; one snapshot needs no export")
    func boundedByPool() async throws {
        let test = try await PostgresTestStore()
        let many = try await test.store.inConsistentSnapshots(count: 16, for: "count") { $0.count }
        #expect(many == 4)
        let one = try await test.store.inConsistentSnapshots(count: 1, for: "count") { try await Self.customerCount($0[0]) }
        #expect(one == "0")
    }

    static func customerCount(_ snapshot: PostgresSnapshot) async throws -> String {
        let rows = try await snapshot.rows("SELECT count(*) FROM customer")
        return rows[0][0].int64.map(String.init) ?? "?"
    }
}
