import Dispatch
import Foundation
import GRDB
import Synchronization

/// Connections and snapshots for the rule evaluator, which compiles rules to SQL and runs them
/// (the only module besides the store that speaks SQL).
extension CustomerStore {
    /// Runs `body` in one read transaction: everything it reads comes from the same committed
    /// state of the store.
    public func inSnapshot<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }

    /// `inSnapshot`, suspending instead of blocking while it waits for a reader connection.
    public func inSnapshot<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// The highest customer id in use (0 in an empty store): ids run from 1 to this, with gaps.
    public func highestCustomerID() throws -> Int64 {
        try database.read { try Int64.fetchOne($0, sql: Self.highestCustomerIDSQL) ?? 0 }
    }

    /// The highest customer id (one b-tree step), 0 when there is none. Both stores' SQL.
    public static let highestCustomerIDSQL = "SELECT coalesce(max(id), 0) FROM customer"


    /// Runs `read` on `count` reader connections at once, on threads of their own, each inside a
    /// read transaction; all of them see the very same committed state of the store.
    ///
    /// The readers' snapshots are taken while this process holds the store's write lock (`BEGIN
    /// IMMEDIATE` on the writer), so no commit, from this process or another, can land between
    /// them. Then `whileLocked`, if given, runs on the writer inside that transaction, while the
    /// readers run, and its `DecisionWriter`'s rows commit when it returns and every reader has
    /// succeeded (so a tick is recorded whole or not at all; with `commit` false they are rolled
    /// back: a rehearsal, for `plan`). Without it the
    /// transaction is rolled back as soon as every snapshot is taken: nothing is written.
    ///
    /// `ended(index)` is called when reader `index` ends, whether it succeeded, threw, or could
    /// not even start, so a consumer waiting for readers is never left waiting. Returns the
    /// readers' results in order, or throws the first error.
    public func withConsistentSnapshots<T: Sendable>(
        count: Int,
        read: @escaping @Sendable (_ index: Int, _ db: Database) throws -> T,
        ended: @escaping @Sendable (_ index: Int) -> Void = { _ in },
        whileLocked: ((DecisionWriter) throws -> Void)? = nil,
        commit: Bool = true
    ) throws -> [T] {
        let results = Mutex<[Int: Result<T, Error>]>([:])
        let group = DispatchGroup()
        let pool = database
        var failure: Error?
        do {
            try pool.writeWithoutTransaction { writer in
                // A tick's rows name customers its readers saw in snapshots taken under this
                // write lock, and a tick deletes no customer: no foreign key it writes can be
                // dangling, and no ON DELETE action can be due. So the writer skips the checks
                // (a lookup in `customer` per row, which read the customer table's pages into a
                // 2 MB cache). The pragma cannot change inside a transaction: set around it.
                let uncheckedKeys = whileLocked != nil
                if uncheckedKeys { try writer.execute(sql: "PRAGMA foreign_keys = OFF") }
                defer { if uncheckedKeys { try? writer.execute(sql: "PRAGMA foreign_keys = ON") } }
                try writer.execute(sql: "BEGIN IMMEDIATE")
                var committed = false
                defer { if !committed { try? writer.execute(sql: "ROLLBACK") } }
                let ready = DispatchSemaphore(value: 0)
                for index in 0..<count {
                    group.enter()
                    // Own threads, not the global queue: the caller blocks while they run, and
                    // libdispatch adds threads to a busy pool only after a delay.
                    let thread = Thread {
                        defer {
                            ended(index)
                            group.leave()
                        }
                        let signalled = Mutex(false)
                        let result = Result {
                            try pool.read { db in
                                // The first read fixes this connection's snapshot.
                                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                                signalled.withLock { $0 = true }
                                ready.signal()
                                return try read(index, db)
                            }
                        }
                        if !signalled.withLock({ $0 }) { ready.signal() }
                        results.withLock { $0[index] = result }
                    }
                    thread.stackSize = 4 << 20
                    thread.start()
                }
                for _ in 0..<count { ready.wait() }
                if let whileLocked {
                    let decisions = try DecisionWriter(writer)
                    try whileLocked(decisions)
                    try decisions.finishCoupons()
                    // A reader that failed saw only part of its slice: record all or nothing.
                    let failed = results.withLock { all in
                        all.values.lazy.compactMap { result -> Error? in
                            if case .failure(let error) = result { return error } else { return nil }
                        }.first
                    }
                    if let failed { throw failed }
                    // A rehearsal (`plan` of journeys) rolls back what it recorded.
                    if commit {
                        try writer.execute(sql: "COMMIT")
                        committed = true
                    }
                }
            }
        } catch {
            failure = error
        }
        // Readers always finish before this returns, even when the writer failed (a full disk, a
        // lost lock): a reader left running would hold its connection for good.
        group.wait()
        if let failure { throw failure }
        return try results.withLock { all in try (0..<count).map { try all[$0]!.get() } }
    }

    /// Answers when the store can be read (health checks, the watchdog); throws the store's error.
    public func ping() async throws {
        _ = try await database.read { try Int.fetchOne($0, sql: "SELECT 1") }
    }
}
