@testable import CustomerStore
import Dispatch
import GRDB
@testable import Evaluation
import Foundation
import Testing
import TestSupport

/// A tick's transaction is whole or absent, and never leaves a slice running: regression tests
/// for the two ways a tick could fail half-way (a writer error such as a full disk, a slice error).
@Suite("a tick's transaction: whole or absent")
struct TickAtomicityTests {
    static let rules = #"rule "everyone" { when orders >= 0  send webhook "x" }"#

    /// A store with `count` customers and nothing else.
    func fixture(customers count: Int) throws -> EvaluationFixture {
        let fixture = try EvaluationFixture()
        try fixture.store.database.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    INSERT INTO customer(external_id, email) SELECT 'c' || i, 'c' || i || '@example.fi' FROM n
                    """,
                arguments: [count])
        }
        return fixture
    }

    func sendRows(_ fixture: EvaluationFixture) throws -> Int {
        try fixture.store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM send")! }
    }

    struct DiskFull: Error {}
    struct BrokenSlice: Error {}

    // Each tick runs under `HangGuard` (its clock starts with the tick, not with the test): a
    // slice left blocked, or a writer waiting for one, would otherwise hang the suite.
    @Test("a writer that fails while the slices are blocked on a full decision stream: the tick throws, writes nothing, and frees every slice")
    func writerFailsMidTick() throws {
        // 20,000 decisions: far more than the stream buffers, so the slices block once the writer stops.
        let fixture = try fixture(customers: 20_000)
        let store = fixture.store
        let evaluator = Evaluator(ruleSet: try fixture.ruleSet(Self.rules), settings: fixture.settings(at: "2026-11-20"))
        let tick = try HangGuard.finishing(within: 60) {
            Result {
                try ParallelEvaluator(evaluator: evaluator, slices: 3).evaluate(in: store) { writer, stream in
                    if let batch = stream.next(), let (rule, decision) = batch.first {
                        _ = try writer.record(
                            SendDecision(
                                sendID: "first", rule: rule, ruleHash: "h", customerID: decision.customerID, channel: "webhook",
                                target: "x", windowKey: 0, decidedAt: 0, status: .queued, reason: nil, evidence: "{}", dueAt: 0))
                    }
                    throw DiskFull()
                }
            }
        }
        #expect(throws: DiskFull.self) { try tick.get() }
        #expect(try sendRows(fixture) == 0)
        // The slices gave their reader connections back: evaluating again on every slice works
        // (a slice left blocked would hold its connection, and this would wait for good).
        for _ in 0..<3 {
            let tallies = try HangGuard.finishing(within: 60) {
                try ParallelEvaluator(evaluator: evaluator, slices: 3).evaluate(in: store)
            }
            #expect(tallies.first?.matched == 20_000)
        }
    }

    @Test("a slice that fails: what the writer recorded from the other slices is not committed")
    func sliceFails() throws {
        let fixture = try fixture(customers: 100)
        let store = fixture.store
        let tick = try HangGuard.finishing(within: 60) {
            let ended = DispatchSemaphore(value: 0)
            return Result {
                try store.withConsistentSnapshots(
                    count: 3,
                    read: { index, _ -> Int in
                        if index == 1 { throw BrokenSlice() }
                        return index
                    },
                    ended: { _ in ended.signal() },
                    whileLocked: { writer in
                        _ = try writer.record(
                            SendDecision(
                                sendID: "from-slice-0", rule: "everyone", ruleHash: "h", customerID: 1, channel: "webhook",
                                target: "x", windowKey: 0, decidedAt: 0, status: .queued, reason: nil, evidence: "{}", dueAt: 0))
                        // As a tick's writer does: return once every slice has ended.
                        for _ in 0..<3 { ended.wait() }
                    })
            }
        }
        #expect(throws: BrokenSlice.self) { try tick.get() }
        #expect(try sendRows(fixture) == 0)
    }

    @Test("when every slice succeeds, the writer's rows commit")
    func allSlicesSucceed() throws {
        let fixture = try fixture(customers: 100)
        let results = try fixture.store.withConsistentSnapshots(
            count: 3, read: { index, _ in index },
            whileLocked: { writer in
                _ = try writer.record(
                    SendDecision(
                        sendID: "ok", rule: "everyone", ruleHash: "h", customerID: 1, channel: "webhook", target: "x",
                        windowKey: 0, decidedAt: 0, status: .queued, reason: nil, evidence: "{}", dueAt: 0))
            })
        #expect(results == [0, 1, 2])
        #expect(try sendRows(fixture) == 1)
    }

    @Test("the tick's writer skips foreign-key checks only inside the tick: after it, and after a failed one, they hold again")
    func foreignKeysBackAfterTick() throws {
        let fixture = try fixture(customers: 10)
        let evaluator = Evaluator(ruleSet: try fixture.ruleSet(Self.rules), settings: fixture.settings(at: "2026-11-20"))
        func danglingSendRefused() throws -> Bool {
            do {
                try fixture.store.database.write { db in
                    try db.execute(sql: """
                        INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at)
                        VALUES ('dangling', 'r', 'h', 999999, 'webhook', 'x', 0, 0, 'queued', 0)
                        """)
                }
                return false
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                return true
            }
        }
        _ = try ParallelEvaluator(evaluator: evaluator, slices: 2).evaluate(in: fixture.store) { writer, stream in
            while let batch = stream.next() {
                for (rule, decision) in batch {
                    _ = try writer.record(
                        SendDecision(
                            sendID: "s\(decision.customerID)", rule: rule, ruleHash: "h", customerID: decision.customerID,
                            channel: "webhook", target: "x", windowKey: 0, decidedAt: 0, status: .queued, reason: nil,
                            evidence: "{}", dueAt: 0))
                }
            }
        }
        #expect(try sendRows(fixture) == 10)
        #expect(try danglingSendRefused(), "foreign keys are checked again after a tick")
        #expect(throws: DiskFull.self) {
            try ParallelEvaluator(evaluator: evaluator, slices: 2).evaluate(in: fixture.store) { _, _ in throw DiskFull() }
        }
        #expect(try danglingSendRefused(), "and after a tick that failed")
    }
}
