import Dispatch
import Foundation
import GRDB
import Synchronization

/// Evaluates rules on several reader connections at once, each over its own slice of customer
/// ids, all seeing the very same committed state of the store.
///
/// Verdicts of one customer never depend on another customer's (the cap, limits and holdout are
/// per customer), so slicing by id gives exactly the single-connection result. The slices'
/// read transactions start while this process holds the store's write lock (`BEGIN IMMEDIATE`
/// on the writer), so no commit, from this process or another, can land between them.
public struct ParallelEvaluator: Sendable {
    public let evaluator: Evaluator
    /// How many slices run at once.
    public let slices: Int

    public init(evaluator: Evaluator, slices: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.evaluator = evaluator
        self.slices = max(1, slices)
    }

    /// Tallies for the named rules (all when nil), as `Evaluator.evaluate` returns them.
    ///
    /// `whileLocked` runs on the writer connection inside the `BEGIN IMMEDIATE` transaction, after
    /// every slice's snapshot is taken and while the slices run; it receives the decisions as
    /// the slices produce them (through `decisions`) and its changes commit when it returns.
    /// Without it the transaction is rolled back: nothing is written.
    public func evaluate(
        only: Set<String>? = nil, in pool: DatabasePool,
        whileLocked: (@Sendable (Database, DecisionStream) throws -> Void)? = nil
    ) throws -> [RuleTally] {
        let top = try pool.read { try Int64.fetchOne($0, sql: "SELECT coalesce(max(id), 0) FROM customer") ?? 0 }
        let ranges = Self.slices(upTo: top, count: slices)
        let results = Mutex<[Int: Result<[RuleTally], Error>]>([:])
        let stream = DecisionStream(producers: ranges.count, enabled: whileLocked != nil)
        let group = DispatchGroup()
        try pool.writeWithoutTransaction { writer in
            try writer.execute(sql: "BEGIN IMMEDIATE")
            var committed = false
            defer { if !committed { try? writer.execute(sql: "ROLLBACK") } }
            let ready = DispatchSemaphore(value: 0)
            for (index, range) in ranges.enumerated() {
                group.enter()
                // Own threads, not the global queue: the caller blocks while they run, and
                // libdispatch adds threads to a busy pool only after a delay.
                let thread = Thread {
                    defer { group.leave() }
                    let result = Result {
                        try pool.read { db in
                            // The first read fixes this connection's snapshot.
                            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                            ready.signal()
                            defer { stream.finish() }
                            return try evaluator.evaluate(
                                only: only, customers: range, in: db,
                                onDecision: stream.enabled ? { rule, decision in stream.send(rule.name, decision) } : nil)
                        }
                    }
                    if case .failure = result { ready.signal() }
                    results.withLock { $0[index] = result }
                }
                thread.stackSize = 4 << 20
                thread.start()
            }
            for _ in ranges { ready.wait() }
            if let whileLocked {
                try whileLocked(writer, stream)
                try writer.execute(sql: "COMMIT")
                committed = true
            }
        }
        group.wait()
        let collected = try results.withLock { all in try (0..<ranges.count).map { try all[$0]!.get() } }
        return Self.merge(collected, sampleSize: evaluator.settings.sampleSize)
    }

    /// Splits the ids `0...top` into at most `count` contiguous, non-empty ranges of about equal
    /// width. Fewer ranges than `count` when there are fewer ids than slices (an empty store has
    /// the one range `0...0`, which matches nobody).
    /// Computed in UInt64: with an id near Int64.max (written by an outside tool), `lower + width`
    /// would overflow Int64.
    static func slices(upTo top: Int64, count: Int) -> [ClosedRange<Int64>] {
        let top = UInt64(max(0, top))
        let count = UInt64(max(1, count))
        let width = top / count + 1
        // Past `top + 1` slices every one is empty; do not loop over a huge `count`.
        return (0..<min(count, top + 1)).compactMap { index in
            let lower = index * width
            let upper = min(top, lower + width - 1)
            return lower <= upper ? Int64(lower)...Int64(upper) : nil
        }
    }

    /// Sums per-slice tallies; the sample keeps the lowest customer ids, as one connection would.
    static func merge(_ slices: [[RuleTally]], sampleSize: Int) -> [RuleTally] {
        guard var merged = slices.first else { return [] }
        for slice in slices.dropFirst() {
            for (index, tally) in slice.enumerated() {
                merged[index].matched += tally.matched
                merged[index].wouldSend += tally.wouldSend
                merged[index].duration = max(merged[index].duration, tally.duration)
                for (reason, count) in tally.skipped { merged[index].skipped[reason, default: 0] += count }
                merged[index].mergeSample(tally, size: sampleSize)
            }
        }
        return merged
    }
}

/// Decisions flowing from the evaluating slices to the writer, with a bounded buffer so memory
/// does not grow with the audience.
public final class DecisionStream: Sendable {
    private struct State {
        var buffer: [(rule: String, decision: Decision)] = []
        var openProducers: Int
    }
    private let state: Mutex<State>
    private let condition = NSCondition()
    let enabled: Bool
    private let capacity = 4096

    init(producers: Int, enabled: Bool) {
        state = Mutex(State(openProducers: producers))
        self.enabled = enabled
    }

    func send(_ rule: String, _ decision: Decision) {
        condition.lock()
        while state.withLock({ $0.buffer.count >= capacity }) { condition.wait() }
        state.withLock { $0.buffer.append((rule, decision)) }
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        state.withLock { $0.openProducers -= 1 }
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch of decisions, waiting for one; nil when every slice has finished.
    public func next() -> [(rule: String, decision: Decision)]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let (batch, open) = state.withLock { state -> ([(rule: String, decision: Decision)], Int) in
                let batch = state.buffer
                state.buffer.removeAll(keepingCapacity: true)
                return (batch, state.openProducers)
            }
            if !batch.isEmpty {
                condition.broadcast()
                return batch
            }
            if open == 0 { return nil }
            condition.wait()
        }
    }
}
