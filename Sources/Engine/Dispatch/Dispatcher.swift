import CustomerStore
import Logging

/// Sends due rows of the send log through the channels: a small loop that drives the stages
/// claim → re-check → compose → deliver → record with bounded concurrency.
///
/// A row is marked `in_flight` in a committed transaction before any network I/O (`ClaimStage`);
/// consent, suppression and quiet hours are checked again right before sending (`RecheckStage`);
/// the profile becomes a message (`ComposeStage`); the channel, rate limited, classifies each
/// failure (`DeliverStage`); retryable ones come back later (exponential backoff with jitter,
/// never past the maximum age), permanent ones fail the row, and a hard bounce suppresses the
/// address (`RecordStage`). Rows a crash left `in_flight` are resent with the same send id
/// (`recoverInFlight`).
public final class Dispatcher: Sendable {
    let store: CustomerStore
    let runtime: @Sendable () -> EngineRuntime
    let clock: any EngineClock
    let logger: Logger
    let claimStage: ClaimStage
    let recheckStage: RecheckStage
    let composeStage = ComposeStage()
    let deliverStage: DeliverStage
    let recordStage: RecordStage

    public init(
        store: CustomerStore, policy: DispatchPolicy, clock: any EngineClock = SystemClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        runtime: @escaping @Sendable () -> EngineRuntime
    ) {
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.logger = logger
        claimStage = ClaimStage(sendLog: store.sendLog)
        recheckStage = RecheckStage(store: store)
        deliverStage = DeliverStage(ratePerSecond: policy.ratePerSecond, clock: clock)
        recordStage = RecordStage(sendLog: store.sendLog, logger: logger, random: random)
    }

    /// Puts rows a crash left `in_flight` back in the queue, due now, with their send ids.
    @discardableResult
    public func recoverInFlight() throws -> Int {
        try store.sendLog.recoverInFlight(now: Int64(clock.now()))
    }

    /// The earliest due time of a queued row, if any.
    public func nextDue() throws -> Double? {
        try store.sendLog.nextDue().map(Double.init)
    }

    /// Queued rows due now (the queue depth metric).
    public func dueCount() throws -> Int {
        try store.sendLog.dueCount(now: Int64(clock.now()))
    }

    /// Sends every row due now, with at most `concurrency` in flight, until none is due or
    /// `shouldStop` says so; in-flight sends always finish.
    public func drain(policy: DispatchPolicy, shouldStop: @escaping @Sendable () -> Bool = { false }) async throws
        -> DispatchSummary
    {
        var summary = DispatchSummary()
        try await withThrowingTaskGroup(of: DispatchSummary.self) { group in
            var running = 0
            while true {
                var claimed: [DueSend] = []
                // Claim in batches (when half the slots are free), not one row per finished send:
                // each claim is a write transaction.
                if !shouldStop() && running <= policy.concurrency / 2 {
                    claimed = try await claim(limit: policy.concurrency - running)
                }
                for row in claimed {
                    group.addTask { await self.send(row, policy: policy) }
                }
                running += claimed.count
                if running == 0 { break }
                if claimed.isEmpty || running >= policy.concurrency {
                    if let done = try await group.next() {
                        summary.add(done)
                        running -= 1
                    }
                }
            }
        }
        return summary
    }

    /// Marks up to `limit` due rows `in_flight` and commits, before any I/O.
    func claim(limit: Int) async throws -> [DueSend] {
        try await claimStage.claim(limit: limit, now: Int64(clock.now()))
    }

    /// Runs one claimed row through re-check, compose, deliver and record. Never throws: a store
    /// error leaves the row `in_flight`, to be resent after recovery.
    func send(_ row: DueSend, policy: DispatchPolicy) async -> DispatchSummary {
        do {
            let runtime = self.runtime()
            let now = Int64(clock.now())
            let result: SendResult
            var at = Double(now)
            switch try await recheckStage.recheck(row, runtime: runtime, now: now) {
            case .skip(let reason):
                result = .skipped(reason: reason)
            case .hold(let until):
                result = .held(until: until)
            case .go(let customer):
                let message = composeStage.compose(row, customer: customer, runtime: runtime, now: now)
                result = .attempted(try await deliverStage.deliver(message, runtime: runtime))
                // The channel's answer is recorded as of when it came, not when the send began.
                at = clock.now()
            }
            return try await recordStage.record(result, for: row, retry: policy.retry, now: at)
        } catch {
            logger.error("dispatch failed; the send stays in flight until the next start", metadata: [
                "send.id": "\(row.sendID)", "dispatch.error": "\(error)",
            ])
            return DispatchSummary()
        }
    }
}
