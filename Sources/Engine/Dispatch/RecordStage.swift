import CustomerStore
import Delivery
import Logging

/// The last stage: writes what became of a send to the send log (one transaction per send),
/// decides between retrying and giving up (`RetryPolicy`, never past the maximum age), and
/// counts and logs the outcome.
///
/// Takes one send; a batched form would take the outcomes of several sends and commit them in
/// one transaction (group commit), then count and log each.
struct RecordStage: Sendable {
    let sendLog: SendLog
    let logger: Logger
    /// In 0..<1, for the retry delay's jitter.
    let random: @Sendable () -> Double

    /// Records `result` for `send` at `now` and returns the one outcome it counts; the metric is
    /// counted only once the store has the outcome. Throws when the store does (the row stays
    /// `in_flight`, to be resent after recovery).
    func record(_ result: SendResult, for send: DueSend, retry: RetryPolicy, now: Double) async throws -> DispatchSummary {
        let summary = try await write(result, for: send, retry: retry, now: now)
        if let status = summary.onlyOutcome { EngineMetrics.send(rule: send.rule, channel: send.channel, status: status) }
        return summary
    }

    private func write(_ result: SendResult, for send: DueSend, retry: RetryPolicy, now: Double) async throws -> DispatchSummary {
        var summary = DispatchSummary()
        switch result {
        case .skipped(let reason):
            try await sendLog.finish(send.record, status: .skipped, reason: reason, now: Int64(now))
            summary.skipped += 1
        case .held(let until):
            try await sendLog.hold(send.record, until: until, now: Int64(now))
            summary.held += 1
        case .attempted(let outcome):
            try await record(outcome, for: send, retry: retry, now: now, summary: &summary)
        }
        return summary
    }

    private func record(
        _ outcome: DeliveryOutcome, for send: DueSend, retry policy: RetryPolicy, now: Double, summary: inout DispatchSummary
    ) async throws {
        let attempts = send.attempts + 1
        switch outcome {
        case .delivered(let receipt):
            try await sendLog.markSent(send.record, attempts: attempts, receipt: receipt, now: Int64(now))
            summary.sent += 1
            logger.debug("sent", metadata: ["send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "send.channel": "\(send.channel.rawValue)"])
        case .retry(let reason, let notBefore):
            let delay = policy.delay(afterAttempts: attempts, retryAfter: notBefore, random: random())
            if now + delay - Double(send.decidedAt) > policy.maxAge {
                try await sendLog.finish(
                    send.record, status: .failed, reason: "gave up after \(attempts) attempts: \(reason)", attempts: attempts,
                    now: Int64(now))
                summary.failed += 1
            } else {
                try await sendLog.retry(
                    send.record, attempts: attempts, dueAt: Int64((now + delay).rounded(.up)), error: reason, now: Int64(now))
                summary.retried += 1
                // A receiver's answer may quote the address: it goes to the send log, and to the
                // journal only at debug level.
                logger.info("send deferred", metadata: [
                    "send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "retry.in": "\(Int(delay))s",
                ])
                logger.debug("send deferred: receiver's answer", metadata: ["send.id": "\(send.sendID)", "send.reason": "\(reason)"])
            }
        case .permanent(let reason, let suppress):
            try await sendLog.markFailed(send.record, attempts: attempts, error: reason, hardBounce: suppress, now: Int64(now))
            summary.failed += 1
            logger.warning("send failed (campaignd log shows why)", metadata: [
                "send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "send.hard_bounce": "\(suppress)",
            ])
            logger.debug("send failed: receiver's answer", metadata: ["send.id": "\(send.sendID)", "send.reason": "\(reason)"])
        }
    }
}
