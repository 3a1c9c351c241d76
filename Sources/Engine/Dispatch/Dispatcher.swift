import CustomerStore
import Delivery
import Evaluation
import Foundation
import Logging
import RuleLanguage

/// Sends due rows of the send log through the channels.
///
/// A row is marked `in_flight` in a committed transaction before any network I/O; consent,
/// suppression and quiet hours are checked again right before sending; the channel classifies
/// each failure; retryable ones come back later (exponential backoff with jitter, never past the
/// maximum age), permanent ones fail the row, and a hard bounce suppresses the address. Rows a
/// crash left `in_flight` are resent with the same send id (`recoverInFlight`).
public final class Dispatcher: Sendable {
    let store: CustomerStore
    let runtime: @Sendable () -> EngineRuntime
    let clock: any EngineClock
    let logger: Logger
    let random: @Sendable () -> Double
    private let buckets: [Channel: TokenBucket]

    public init(
        store: CustomerStore, policy: DispatchPolicy, clock: any EngineClock = SystemClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        runtime: @escaping @Sendable () -> EngineRuntime
    ) {
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.logger = logger
        self.random = random
        var buckets: [Channel: TokenBucket] = [:]
        for (channel, rate) in policy.ratePerSecond where rate > 0 { buckets[channel] = TokenBucket(rate: rate, clock: clock) }
        self.buckets = buckets
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
        try await store.sendLog.claimDue(limit: limit, now: Int64(clock.now())).compactMap(DueSend.init)
    }

    /// Checks, sends and records one claimed row. Never throws: a store error leaves the row
    /// `in_flight`, to be resent after recovery.
    func send(_ row: DueSend, policy: DispatchPolicy) async -> DispatchSummary {
        var summary = DispatchSummary()
        defer {
            if let status = summary.onlyOutcome { EngineMetrics.send(rule: row.rule, channel: row.channel, status: status) }
        }
        do {
            let runtime = self.runtime()
            let now = Int64(clock.now())
            let prepared = try await prepare(row, runtime: runtime, now: now)
            switch prepared {
            case .skip(let reason):
                try await finish(row, status: .skipped, reason: reason, now: now)
                summary.skipped += 1
                return summary
            case .hold(let until):
                try await store.sendLog.hold(row.record, until: until, now: now)
                summary.held += 1
                return summary
            case .send(let message):
                try await buckets[row.channel]?.acquire()
                let outcome = await runtime.channel(row.channel).deliver(message)
                try await record(outcome, for: row, message: message, policy: policy, summary: &summary)
            }
        } catch {
            logger.error("dispatch failed; the send stays in flight until the next start", metadata: [
                "send.id": "\(row.sendID)", "error": "\(error)",
            ])
        }
        return summary
    }

    private enum Prepared {
        case send(OutboundMessage)
        case skip(String)
        case hold(until: Int64)
    }

    private func prepare(_ row: DueSend, runtime: EngineRuntime, now: Int64) async throws -> Prepared {
        guard let customerID = row.customerID,
            let (check, customer) = try await ConsentCheck.recheck(customer: customerID, channel: row.channel, now: now, in: store)
        else { return .skip("customer erased") }
        if let reason = check.skipReason { return .skip("\(reason.rawValue) at dispatch") }
        if let quiet = runtime.quietHours(rule: row.rule, channel: row.channel),
            let end = Evaluator.quietHoursEnd(
                quiet, now: now, zone: customer.timeZone.flatMap { TimeZone(identifier: $0) } ?? runtime.businessTimeZone)
        {
            return .hold(until: end)
        }
        return .send(Self.message(for: row, customer: customer, runtime: runtime, now: now))
    }

    static func message(for row: DueSend, customer: CustomerProfile, runtime: EngineRuntime, now: Int64) -> OutboundMessage {
        var attributes: [String: String] = [:]
        if let json = customer.attributes,
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        {
            for (key, value) in object { attributes[key] = "\(value)" }
        }
        var facts: [String: String] = ["orders": "\(customer.orders)"]
        facts["spent"] = MoneyFormat.text(customer.spentMinor, currency: runtime.currency)
        for (key, at) in [("first_purchase", customer.firstPurchaseAt), ("last_purchase", customer.lastPurchaseAt)] {
            if let at {
                facts[key] = InstantText.local(at, in: runtime.businessTimeZone).prefix(10).description
                facts["days_since_\(key)"] = "\(max(0, (now - at) / 86_400))"
            }
        }
        if let nps = customer.npsScore { facts["nps"] = "\(nps)" }
        let recipient = Recipient(
            customerID: customer.id, externalID: customer.externalID, name: customer.name,
            email: customer.email, street: customer.street, postalCode: customer.postalCode,
            city: customer.city, country: customer.country, locale: customer.locale,
            timeZone: customer.timeZone, attributes: attributes)
        return OutboundMessage(
            sendID: row.sendID, rule: row.rule, ruleHash: row.ruleHash, channel: row.channel, target: row.target,
            isMarketing: row.channel != .webhook, queuedAt: Date(timeIntervalSince1970: TimeInterval(row.decidedAt)),
            recipient: recipient, facts: facts)
    }

    private func record(
        _ outcome: DeliveryOutcome, for row: DueSend, message: OutboundMessage, policy: DispatchPolicy,
        summary: inout DispatchSummary
    ) async throws {
        let now = clock.now()
        let attempts = row.attempts + 1
        switch outcome {
        case .delivered(let receipt):
            try await store.sendLog.markSent(row.record, attempts: attempts, receipt: receipt, now: Int64(now))
            summary.sent += 1
            logger.debug("sent", metadata: ["send.id": "\(row.sendID)", "rule": "\(row.rule)", "channel": "\(row.channel.rawValue)"])
        case .retry(let reason, let notBefore):
            let delay = policy.retry.delay(afterAttempts: attempts, retryAfter: notBefore, random: random())
            if now + delay - Double(row.decidedAt) > policy.retry.maxAge {
                try await finish(row, status: .failed, reason: "gave up after \(attempts) attempts: \(reason)", now: Int64(now), attempts: attempts)
                summary.failed += 1
            } else {
                try await store.sendLog.retry(
                    row.record, attempts: attempts, dueAt: Int64((now + delay).rounded(.up)), error: reason, now: Int64(now))
                summary.retried += 1
                // A receiver's answer may quote the address: it goes to the send log, and to the
                // journal only at debug level.
                logger.info("send deferred", metadata: [
                    "send.id": "\(row.sendID)", "rule": "\(row.rule)", "retry.in": "\(Int(delay))s",
                ])
                logger.debug("send deferred: receiver's answer", metadata: ["send.id": "\(row.sendID)", "reason": "\(reason)"])
            }
        case .permanent(let reason, let suppress):
            try await store.sendLog.markFailed(row.record, attempts: attempts, error: reason, hardBounce: suppress, now: Int64(now))
            summary.failed += 1
            logger.warning("send failed (campaignd log shows why)", metadata: [
                "send.id": "\(row.sendID)", "rule": "\(row.rule)", "hard.bounce": "\(suppress)",
            ])
            logger.debug("send failed: receiver's answer", metadata: ["send.id": "\(row.sendID)", "reason": "\(reason)"])
        }
    }

    private func finish(_ row: DueSend, status: SendStatus, reason: String, now: Int64, attempts: Int? = nil) async throws {
        try await store.sendLog.finish(row.record, status: status, reason: reason, attempts: attempts, now: now)
    }
}
