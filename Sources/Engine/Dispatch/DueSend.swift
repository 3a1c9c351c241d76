import CustomerStore
import Evaluation
import RuleLanguage

/// A send-log row claimed for delivery (now `in_flight`), with its channel and what the re-check
/// read in the claim's transaction.
struct DueSend: Sendable {
    let record: SendRecord
    let channel: Channel
    /// Consent, suppression, address and the customer's profile as of the claim; nil when the
    /// customer no longer exists.
    let found: ConsentCheck.Recheck?

    /// Nil when the row names a channel this version does not know.
    init?(_ record: SendRecord, found: ConsentCheck.Recheck?) {
        guard let channel = Channel(rawValue: record.channel) else { return nil }
        self.record = record
        self.channel = channel
        self.found = found
    }

    var sendID: String { record.sendID }
    var rule: String { record.rule }
    var ruleHash: String { record.ruleHash }
    var customerID: Int64? { record.customerID }
    var target: String { record.target }
    var decidedAt: Int64 { record.decidedAt }
    var attempts: Int { record.attempts }
    /// `marketing` unless the row says `service`.
    var purpose: MessagePurpose { MessagePurpose(rawValue: record.purpose) ?? .marketing }
    /// The code from the rule's coupon pool, if it has one.
    var coupon: String? { record.coupon }
    /// A journey step's send: its journey and step, and its enrolment's entry instant (the row's window key).
    var journey: String? { record.journey }
    var step: String? { record.step }
}
