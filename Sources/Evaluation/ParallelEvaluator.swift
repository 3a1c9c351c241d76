import CustomerStore
import Foundation
import Synchronization

/// Evaluates rules on several reader connections at once, each over its own slice of customer
/// ids, all seeing the very same committed state of the store.
///
/// Verdicts of one customer never depend on another customer's (the cap, limits and holdout are
/// per customer), so slicing by id gives exactly the single-connection result. The store takes
/// the slices' snapshots under its write lock, so no commit can land between them.
public struct ParallelEvaluator: Sendable {
    public let evaluator: Evaluator
    /// How many slices run at once.
    public let slices: Int

    public init(evaluator: Evaluator, slices: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.evaluator = evaluator
        self.slices = max(1, slices)
    }

    /// Tallies for the named rules (all when nil), as `Evaluator.evaluate` returns them, over
    /// `store`'s consistent snapshots (`CustomerStore.withConsistentSnapshots`).
    ///
    /// `whileLocked` runs on the writer inside the store's write transaction, after every
    /// slice's snapshot is taken and while the slices run; it receives the decisions as the slices
    /// produce them (through `decisions`) and what its `DecisionWriter` records commits when it
    /// returns (is rolled back with `commit` false). Without it nothing is written. With
    /// `journeyEntrants`, each slice then finds the journeys' entrants among its ids.
    public func evaluate(
        only: Set<String>? = nil, in store: CustomerStore,
        whileLocked: ((DecisionWriter, DecisionStream) throws -> Void)? = nil, commit: Bool = true,
        journeyEntrants: JourneyEntrants? = nil
    ) throws -> [RuleTally] {
        let ranges = Self.slices(upTo: try store.highestCustomerID(), count: slices)
        let stream = DecisionStream(producers: ranges.count, enabled: whileLocked != nil)
        let evaluator = self.evaluator
        // A tick records the membership of segments whose transitions are read; plan does not.
        let tracked = whileLocked == nil ? [] : evaluator.ruleSet.transitionSegments
        let collected = try store.withConsistentSnapshots(
            count: ranges.count,
            read: { index, db in
                if !tracked.isEmpty {
                    // Without the `factsAreCurrent` pass: it would cost about as much as the
                    // queries, whose fallbacks to the history run only for rows the cheap tests keep.
                    let started = ContinuousClock.now
                    for segment in tracked {
                        stream.addMembership(
                            segment.name, try evaluator.membershipChanges(of: segment, customers: ranges[index], in: db))
                    }
                    stream.addMembershipDuration(ContinuousClock.now - started)
                }
                // Decisions go to the writer in chunks: one hand-over (a lock, a wake-up) per
                // chunk instead of per decision.
                var chunk: [(rule: String, decision: Decision)] = []
                let tallies = try evaluator.evaluate(
                    only: only, customers: ranges[index], in: db,
                    onDecision: stream.enabled
                        ? { rule, decision in
                            chunk.append((rule.name, decision))
                            if chunk.count >= DecisionStream.chunkSize {
                                try stream.send(chunk)
                                chunk.removeAll(keepingCapacity: true)
                            }
                        } : nil)
                if !chunk.isEmpty { try stream.send(chunk) }
                // The journeys' entry scans, over the same slice and snapshot.
                try journeyEntrants?.scan(customers: ranges[index], in: db)
                return tallies
            },
            ended: { _ in stream.finish() },
            whileLocked: whileLocked.map { body in
                { writer in
                    do {
                        try body(writer, stream)
                    } catch {
                        // Let the slices stop instead of waiting for a writer that is gone.
                        stream.cancel()
                        throw error
                    }
                }
            }, commit: commit)
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
                for (variant, count) in tally.variantCounts.enumerated() { merged[index].variantCounts[variant] += count }
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
        var cancelled = false
    }
    private let state: Mutex<State>
    private let condition = NSCondition()
    let enabled: Bool
    private let capacity = 4096
    private let membership = Mutex<(changes: [String: MembershipChanges], duration: Duration)>(([:], .zero))

    init(producers: Int, enabled: Bool) {
        state = Mutex(State(openProducers: producers))
        self.enabled = enabled
    }

    /// How many decisions a slice hands over at once.
    static let chunkSize = 512

    /// Hands decisions to the writer, waiting while the buffer is full; throws
    /// `CancellationError` once the writer has given up.
    func send(_ decisions: [(rule: String, decision: Decision)]) throws {
        condition.lock()
        defer { condition.unlock() }
        while state.withLock({ $0.buffer.count >= capacity && !$0.cancelled }) { condition.wait() }
        let accepted = state.withLock { state in
            if !state.cancelled { state.buffer.append(contentsOf: decisions) }
            return !state.cancelled
        }
        guard accepted else { throw CancellationError() }
        condition.broadcast()
    }

    /// Adds one slice's membership changes of a segment.
    func addMembership(_ segment: String, _ changes: MembershipChanges) {
        membership.withLock { $0.changes[segment, default: MembershipChanges()].add(changes) }
    }

    func addMembershipDuration(_ duration: Duration) {
        membership.withLock { $0.duration = max($0.duration, duration) }
    }

    /// The membership changes of `segment` found by every slice: complete once `next()` has
    /// returned nil (every slice has finished).
    public func membershipChanges(of segment: String) -> MembershipChanges {
        membership.withLock { $0.changes[segment] ?? MembershipChanges() }
    }

    /// How long the slowest slice spent finding membership changes.
    public var membershipDuration: Duration { membership.withLock { $0.duration } }

    /// The writer has failed: producers stop at their next decision.
    func cancel() {
        condition.lock()
        state.withLock {
            $0.cancelled = true
            $0.buffer.removeAll()
        }
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
