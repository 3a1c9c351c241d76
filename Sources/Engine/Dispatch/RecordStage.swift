import CustomerStore
import Delivery
import Logging

/// The last stage: decides between retrying and giving up (`RetryPolicy`, never past the maximum
/// age), writes what became of a send to the send log by group commit (`OutcomeWriter`: the
/// outcomes that finish together share one transaction), and counts and logs the outcome once
/// the store has it.
struct RecordStage: Sendable {
    let writer: OutcomeWriter
    let logger: Logger
    /// In 0..<1, for the retry delay's jitter.
    let random: @Sendable () -> Double

    /// Records `result` for `send` at `now` and returns the one outcome it counts; the metric is
    /// counted only once the store has the outcome. Throws when the store does (the row stays
    /// `in_flight`, to be resent after recovery).
    func record(_ result: SendResult, for send: DueSend, retry: RetryPolicy, now: Double) async throws -> DispatchSummary {
        let (change, summary) = decide(result, for: send, retry: retry, now: now)
        try await writer.commit(SendOutcome(send.record, change, at: Int64(now)))
        if let status = summary.onlyOutcome { EngineMetrics.send(rule: send.rule, channel: send.channel, status: status) }
        log(change, for: send, now: now)
        return summary
    }

    /// The row's new state for `result`, and what it counts as.
    private func decide(_ result: SendResult, for send: DueSend, retry policy: RetryPolicy, now: Double) -> (SendOutcome.Change, DispatchSummary) {
        var summary = DispatchSummary()
        let attempts = send.attempts + 1
        switch result {
        case .skipped(let reason):
            summary.skipped += 1
            return (.finished(status: .skipped, reason: reason, attempts: nil), summary)
        case .held(let until):
            summary.held += 1
            return (.held(until: until), summary)
        case .attempted(.delivered(let receipt)):
            summary.sent += 1
            return (.sent(attempts: attempts, receipt: receipt), summary)
        case .attempted(.retry(let reason, let notBefore)):
            let delay = policy.delay(afterAttempts: attempts, retryAfter: notBefore, random: random())
            if now + delay - Double(send.decidedAt) > policy.maxAge {
                summary.failed += 1
                return (.finished(status: .failed, reason: "gave up after \(attempts) attempts: \(reason)", attempts: attempts), summary)
            }
            summary.retried += 1
            return (.retry(attempts: attempts, dueAt: Int64((now + delay).rounded(.up)), error: reason), summary)
        case .attempted(.permanent(let reason, let suppress)):
            summary.failed += 1
            return (.failed(attempts: attempts, error: reason, hardBounce: suppress), summary)
        }
    }

    /// Logs a recorded outcome. A receiver's answer may quote the address: it goes to the send
    /// log, and to the journal only at debug level.
    private func log(_ change: SendOutcome.Change, for send: DueSend, now: Double) {
        switch change {
        case .sent:
            logger.debug("sent", metadata: ["send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "send.channel": "\(send.channel.rawValue)"])
        case .retry(_, let dueAt, let reason):
            logger.info("send deferred", metadata: [
                "send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "retry.in": "\(Int(Double(dueAt) - now))s",
            ])
            logger.debug("send deferred: receiver's answer", metadata: ["send.id": "\(send.sendID)", "send.reason": "\(reason)"])
        case .failed(_, let reason, let suppress):
            logger.warning("send failed (campaignd log shows why)", metadata: [
                "send.id": "\(send.sendID)", "rule.name": "\(send.rule)", "send.hard_bounce": "\(suppress)",
            ])
            logger.debug("send failed: receiver's answer", metadata: ["send.id": "\(send.sendID)", "send.reason": "\(reason)"])
        case .held, .finished:
            break
        }
    }
}
