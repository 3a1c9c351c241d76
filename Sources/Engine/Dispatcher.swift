import CustomerStore
import Delivery
import Evaluation
import Foundation
import GRDB
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
    let store: DatabasePool
    let runtime: @Sendable () -> EngineRuntime
    let clock: any EngineClock
    let logger: Logger
    let random: @Sendable () -> Double
    private let buckets: [Channel: TokenBucket]

    public init(
        store: DatabasePool, policy: DispatchPolicy, clock: any EngineClock = SystemClock(), logger: Logger,
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
        let now = Int64(clock.now())
        return try store.write { db in
            try db.executeCached(
                sql: "UPDATE send SET status = 'queued', due_at = min(coalesce(due_at, ?1), ?1), updated_at = ?1 WHERE status IN ('queued', 'in_flight') AND status = 'in_flight'",
                arguments: [now])
            return db.changesCount
        }
    }

    /// The earliest due time of a queued row, if any.
    public func nextDue() throws -> Double? {
        try store.read { db in
            // The first test repeats the `send_due` index's own WHERE, so SQLite can use it.
            try Int64.fetchOne(db, sql: "SELECT min(due_at) FROM send WHERE status IN ('queued', 'in_flight') AND status = 'queued'")
        }.map(Double.init)
    }

    /// Queued rows due now (the queue depth metric).
    public func dueCount() throws -> Int {
        let now = Int64(clock.now())
        return try store.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM send WHERE status IN ('queued', 'in_flight') AND status = 'queued' AND due_at <= ?",
                arguments: [now]) ?? 0
        }
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
        let now = Int64(clock.now())
        return try await store.write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: Self.claimSQL), arguments: [now, limit])
            return rows.compactMap { row in
                guard let channel = Channel(rawValue: row["channel"]) else { return nil }
                return DueSend(
                    id: row["id"], sendID: row["send_id"], rule: row["rule"], ruleHash: row["rule_hash"],
                    customerID: row["customer_id"], channel: channel, target: row["target"], decidedAt: row["decided_at"],
                    attempts: row["attempts"])
            }
        }
    }

    /// Claims due rows (arguments: now, limit). The redundant `status IN (…)` term lets SQLite use
    /// the partial index `send_due`; without it every claim scans the whole send log.
    static let claimSQL = """
        UPDATE send SET status = 'in_flight', updated_at = ?1
        WHERE id IN (SELECT id FROM send WHERE status IN ('queued', 'in_flight') AND status = 'queued' AND due_at <= ?1
                     ORDER BY due_at, id LIMIT ?2)
        RETURNING id, send_id, rule, rule_hash, customer_id, channel, target, decided_at, attempts
        """

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
                try await store.write { db in
                    try db.executeCached(
                        sql: "UPDATE send SET status = 'queued', due_at = ?, reason = 'held for quiet hours', updated_at = ? WHERE id = ?",
                        arguments: [until, now, row.id])
                }
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
        guard let customerID = row.customerID else { return .skip("customer erased") }
        return try await store.read { db -> Prepared in
            guard let check = try ConsentCheck.check(customer: customerID, channel: row.channel, now: now, in: db),
                let customer = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT c.*, f.orders, f.spent_minor, f.first_purchase_at, f.last_purchase_at, f.nps_score
                            FROM customer c JOIN customer_facts f ON f.customer_id = c.id WHERE c.id = ?
                            """),
                    arguments: [customerID])
            else { return .skip("customer erased") }
            if let reason = check.skipReason { return .skip("\(reason.rawValue) at dispatch") }
            let timeZone: String? = customer["time_zone"]
            if let quiet = runtime.quietHours(rule: row.rule, channel: row.channel),
                let end = Evaluator.quietHoursEnd(
                    quiet, now: now,
                    zone: timeZone.flatMap { TimeZone(identifier: $0) } ?? runtime.businessTimeZone)
            {
                return .hold(until: end)
            }
            return .send(Self.message(for: row, customer: customer, runtime: runtime, now: now))
        }
    }

    static func message(for row: DueSend, customer: Row, runtime: EngineRuntime, now: Int64) -> OutboundMessage {
        var attributes: [String: String] = [:]
        if let json: String = customer["attributes"],
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        {
            for (key, value) in object { attributes[key] = "\(value)" }
        }
        var facts: [String: String] = ["orders": "\(customer["orders"] as Int64? ?? 0)"]
        facts["spent"] = MoneyFormat.text(customer["spent_minor"] as Int64? ?? 0, currency: runtime.currency)
        for (key, column) in [("first_purchase", "first_purchase_at"), ("last_purchase", "last_purchase_at")] {
            if let at: Int64 = customer[column] {
                facts[key] = InstantText.local(at, in: runtime.businessTimeZone).prefix(10).description
                facts["days_since_\(key)"] = "\(max(0, (now - at) / 86_400))"
            }
        }
        if let nps: Int64 = customer["nps_score"] { facts["nps"] = "\(nps)" }
        let recipient = Recipient(
            customerID: customer["id"], externalID: customer["external_id"], name: customer["name"],
            email: customer["email"], street: customer["street"], postalCode: customer["postal_code"],
            city: customer["city"], country: customer["country"], locale: customer["locale"],
            timeZone: customer["time_zone"], attributes: attributes)
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
            try await store.write { db in
                try db.executeCached(
                    sql: "UPDATE send SET status = 'sent', attempts = ?, last_error = NULL, reason = ?, updated_at = ? WHERE id = ?",
                    arguments: [attempts, receipt.map { String($0.prefix(500)) }, Int64(now), row.id])
                try Self.scrubIfErased(row, now: Int64(now), in: db)
            }
            summary.sent += 1
            logger.debug("sent", metadata: ["send.id": "\(row.sendID)", "rule": "\(row.rule)", "channel": "\(row.channel.rawValue)"])
        case .retry(let reason, let notBefore):
            let delay = policy.retry.delay(afterAttempts: attempts, retryAfter: notBefore, random: random())
            if now + delay - Double(row.decidedAt) > policy.retry.maxAge {
                try await finish(row, status: .failed, reason: "gave up after \(attempts) attempts: \(reason)", now: Int64(now), attempts: attempts)
                summary.failed += 1
            } else {
                try await store.write { db in
                    try db.executeCached(
                        sql: "UPDATE send SET status = 'queued', attempts = ?, due_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
                        arguments: [attempts, Int64((now + delay).rounded(.up)), String(reason.prefix(500)), Int64(now), row.id])
                    try Self.scrubIfErased(row, now: Int64(now), in: db)
                }
                summary.retried += 1
                // A receiver's answer may quote the address: it goes to the send log, and to the
                // journal only at debug level.
                logger.info("send deferred", metadata: [
                    "send.id": "\(row.sendID)", "rule": "\(row.rule)", "retry.in": "\(Int(delay))s",
                ])
                logger.debug("send deferred: receiver's answer", metadata: ["send.id": "\(row.sendID)", "reason": "\(reason)"])
            }
        case .permanent(let reason, let suppress):
            try await store.write { db in
                try db.executeCached(
                    sql: "UPDATE send SET status = 'failed', attempts = ?, last_error = ?, reason = ?, updated_at = ? WHERE id = ?",
                    arguments: [attempts, String(reason.prefix(500)), suppress ? "hard bounce" : "permanent failure", Int64(now), row.id])
                if suppress, let customerID = row.customerID {
                    try db.executeCached(
                        sql: """
                            INSERT INTO suppression(channel, address, reason, at)
                            SELECT ?, \(Self.addressSQL(row.channel)), 'hard_bounce', ? FROM customer c
                            WHERE c.id = ? AND \(Self.addressSQL(row.channel)) IS NOT NULL
                            ON CONFLICT(channel, address) DO NOTHING
                            """,
                        arguments: [row.channel.rawValue, Int64(now), customerID])
                }
                try Self.scrubIfErased(row, now: Int64(now), in: db)
            }
            summary.failed += 1
            logger.warning("send failed (campaignd log shows why)", metadata: [
                "send.id": "\(row.sendID)", "rule": "\(row.rule)", "hard.bounce": "\(suppress)",
            ])
            logger.debug("send failed: receiver's answer", metadata: ["send.id": "\(row.sendID)", "reason": "\(reason)"])
        }
    }

    private func finish(_ row: DueSend, status: SendStatus, reason: String, now: Int64, attempts: Int? = nil) async throws {
        try await store.write { db in
            try db.executeCached(
                sql: "UPDATE send SET status = ?, reason = ?, attempts = ?, updated_at = ? WHERE id = ?",
                arguments: [status.rawValue, reason, attempts ?? row.attempts, now, row.id])
        }
    }

    /// The suppression address of a channel (docs/store.md), over `customer c`.
    static func addressSQL(_ channel: Channel) -> String {
        SuppressionAddress.sql(channel: channel.rawValue)
    }

    /// When the customer was erased while the row was being sent (`customer_id` is NULL now), takes
    /// the personal data the outcome just wrote (receipt, error) out again, and turns a row that
    /// went back to the queue into a skip (`CustomerStore.scrubSendLog`).
    static func scrubIfErased(_ row: DueSend, now: Int64, in db: Database) throws {
        guard row.customerID != nil else { return }
        try db.executeCached(
            sql: "UPDATE send SET \(CustomerStore.scrubSendLog) WHERE id = ? AND customer_id IS NULL", arguments: [now, row.id])
    }
}

extension Database {
    /// `execute(sql:arguments:)` through the connection's statement cache. The dispatcher runs the
    /// same few statements once per send; compiling each anew (GRDB authorizes every column a
    /// statement reads) cost more CPU than the delivery itself.
    func executeCached(sql: String, arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
