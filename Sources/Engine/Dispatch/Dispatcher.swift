import CustomerStore
import Logging
import ServiceLifecycle
import Synchronization

/// Sends due rows of the send log through the channels: a small loop that drives the stages
/// claim → re-check → compose → deliver → record with bounded concurrency.
///
/// A batch of rows is marked `in_flight` in a committed transaction before any network I/O, and
/// consent, suppression, the address and the profiles are read for the whole batch in that same
/// transaction (`ClaimStage`); each send is then judged, quiet hours included (`RecheckStage`);
/// the profile becomes a message (`ComposeStage`); the channel, rate limited, classifies each
/// failure (`DeliverStage`); retryable ones come back later (exponential backoff with jitter,
/// never past the maximum age), permanent ones fail the row, and a hard bounce suppresses the
/// address (`RecordStage`, group commit: outcomes finishing together share a transaction). A
/// send holds its concurrency slot until its outcome is committed, so at most `concurrency` rows
/// are ever claimed and unrecorded. Rows a crash left `in_flight` are resent with the same send
/// id (`recoverInFlight`).
///
/// When the store refuses a write (a full or read-only disk), nothing is claimed, and an outcome
/// already received is kept and written again with backoff until the store takes it, so a
/// delivered send is never sent again while the daemon runs (`storeProblem` says why meanwhile).
public final class Dispatcher: Sendable {
    let store: any DispatchStore
    let runtime: @Sendable () -> EngineRuntime
    let clock: any EngineClock
    let logger: Logger
    let claimStage: ClaimStage
    let recheckStage: RecheckStage
    let composeStage = ComposeStage()
    let deliverStage: DeliverStage
    let recordStage: RecordStage
    private let lastStoreProblem = Mutex<String?>(nil)
    /// The longest wait between two attempts to write an outcome the store refused.
    static let maxRecordRetrySeconds = 30.0

    public init(
        store: any DispatchStore, policy: DispatchPolicy, clock: any EngineClock = SystemClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        runtime: @escaping @Sendable () -> EngineRuntime
    ) {
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.logger = logger
        claimStage = ClaimStage(store: store)
        recheckStage = RecheckStage(store: store)
        deliverStage = DeliverStage(ratePerSecond: policy.ratePerSecond, clock: clock)
        recordStage = RecordStage(writer: OutcomeWriter(store: store), logger: logger, random: random)
    }

    /// Puts rows a crash left `in_flight` back in the queue, due now, with their send ids (on
    /// PostgreSQL: rows whose claim's lease ran out).
    @discardableResult
    public func recoverInFlight() async throws -> Int {
        try await noting("recover sends left in flight") { try await store.recoverInFlight(now: Int64(clock.now())) }
    }

    /// Why the last write to the store failed, or nil when the latest one succeeded.
    public var storeProblem: String? { lastStoreProblem.withLock { $0 } }

    /// Runs a store write, remembering its failure (named by `StoreError.explaining`) or clearing
    /// the last one.
    private func noting<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            lastStoreProblem.withLock { $0 = nil }
            return result
        } catch {
            let error = store.explaining(error, operation: operation)
            lastStoreProblem.withLock { $0 = "\(error)" }
            throw error
        }
    }

    private func noting<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            lastStoreProblem.withLock { $0 = nil }
            return result
        } catch {
            let error = store.explaining(error, operation: operation)
            lastStoreProblem.withLock { $0 = "\(error)" }
            throw error
        }
    }

    /// The earliest due time of a queued row, if any.
    public func nextDue() async throws -> Double? {
        try await store.nextDue().map(Double.init)
    }

    /// Sends every row due now, with at most `concurrency` in flight, until none is due or
    /// `shouldStop` says so; in-flight sends always finish. A claim the store refuses stops
    /// claiming; the sends in flight still finish (and record), then the error is thrown.
    public func drain(policy: DispatchPolicy, shouldStop: @escaping @Sendable () -> Bool = { false }) async throws
        -> DispatchSummary
    {
        var summary = DispatchSummary()
        var claimError: (any Error)?
        // While sends are in flight, their claims are renewed (a store whose claims expire).
        let renewal = store.claimRenewalSeconds.map { seconds in
            Task { [store, clock, logger] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(seconds))
                    if Task.isCancelled { break }
                    do {
                        try await store.renewClaims(now: Int64(clock.now()))
                    } catch {
                        logger.warning("claims not renewed; trying again shortly", metadata: [
                            "dispatch.error": "\(store.explaining(error, operation: "renew claims"))",
                        ])
                    }
                }
            }
        }
        defer { renewal?.cancel() }
        await withTaskGroup(of: DispatchSummary.self) { group in
            var running = 0
            while true {
                var claimed: [DueSend] = []
                // Claim in batches (when half the slots are free), not one row per finished send:
                // each claim is a write transaction.
                if claimError == nil && !shouldStop() && running <= policy.concurrency / 2 {
                    do {
                        claimed = try await claim(limit: policy.concurrency - running)
                    } catch {
                        claimError = error
                    }
                }
                for row in claimed {
                    group.addTask { await self.send(row, policy: policy, shouldStop: shouldStop) }
                }
                running += claimed.count
                if running == 0 { break }
                if claimed.isEmpty || running >= policy.concurrency {
                    if let done = await group.next() {
                        summary.add(done)
                        running -= 1
                    }
                }
            }
        }
        if let claimError { throw claimError }
        return summary
    }

    /// Marks up to `limit` due rows `in_flight` and commits, before any I/O.
    func claim(limit: Int) async throws -> [DueSend] {
        try await noting("claim due sends") { try await claimStage.claim(limit: limit, now: Int64(clock.now())) }
    }

    /// Runs one claimed row through re-check, compose, deliver and record. Never throws: a store
    /// error before delivery leaves the row `in_flight`, to be resent after recovery; an outcome
    /// the store refuses is written again until it is taken (`record(_:for:policy:shouldStop:)`).
    func send(_ row: DueSend, policy: DispatchPolicy, shouldStop: @escaping @Sendable () -> Bool = { false }) async -> DispatchSummary {
        let result: SendResult
        let at: Double
        do {
            let runtime = self.runtime()
            let now = Int64(clock.now())
            var when = Double(now)
            switch try await recheckStage.recheck(row, runtime: runtime, now: now) {
            case .skip(let reason):
                result = .skipped(reason: reason)
            case .hold(let until):
                result = .held(until: until)
            case .go(let customer):
                let message = composeStage.compose(row, customer: customer, runtime: runtime, now: now)
                result = .attempted(try await deliverStage.deliver(message, runtime: runtime))
                // The channel's answer is recorded as of when it came, not when the send began.
                when = clock.now()
            }
            at = when
        } catch {
            logger.error("dispatch failed; the send stays in flight until the next start", metadata: [
                "send.id": "\(row.sendID)", "dispatch.error": "\(store.explaining(error, operation: "prepare send"))",
            ])
            return DispatchSummary()
        }
        return await record(result, for: row, policy: policy, at: at, shouldStop: shouldStop)
    }

    /// Writes `result` for `row`; while the store refuses (a full disk), waits (1 s, doubling up
    /// to `maxRecordRetrySeconds`) and writes it again, so a delivered send is not resent. Gives
    /// up only when `shouldStop` says so or the task is cancelled: the row then stays
    /// `in_flight` and the next start resends it with the same send id.
    func record(
        _ result: SendResult, for row: DueSend, policy: DispatchPolicy, at: Double, shouldStop: @escaping @Sendable () -> Bool
    ) async -> DispatchSummary {
        var delay = 1.0
        while true {
            do {
                return try await noting("record the outcome of send \(row.sendID)") {
                    try await recordStage.record(result, for: row, retry: policy.retry, now: at)
                }
            } catch {
                if shouldStop() || Task.isCancelled {
                    logger.error("outcome not recorded; the send stays in flight and the next start resends it with the same id", metadata: [
                        "send.id": "\(row.sendID)", "dispatch.error": "\(error)",
                    ])
                    return DispatchSummary()
                }
                logger.error("outcome not recorded; writing it again shortly", metadata: [
                    "send.id": "\(row.sendID)", "dispatch.error": "\(error)", "retry.in": "\(Int(delay))s",
                    "dispatch.hint": "\((error as? StoreError)?.hint ?? "")",
                ])
                let wait = delay
                do { try await cancelWhenGracefulShutdown { try await self.clock.sleep(seconds: wait) } } catch {}
                delay = min(delay * 2, Self.maxRecordRetrySeconds)
            }
        }
    }
}
