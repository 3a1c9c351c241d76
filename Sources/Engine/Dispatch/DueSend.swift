import CustomerStore
import RuleLanguage

/// A send-log row claimed for delivery (now `in_flight`), with its channel.
struct DueSend: Sendable {
    let record: SendRecord
    let channel: Channel

    /// Nil when the row names a channel this version does not know.
    init?(_ record: SendRecord) {
        guard let channel = Channel(rawValue: record.channel) else { return nil }
        self.record = record
        self.channel = channel
    }

    var sendID: String { record.sendID }
    var rule: String { record.rule }
    var ruleHash: String { record.ruleHash }
    var customerID: Int64? { record.customerID }
    var target: String { record.target }
    var decidedAt: Int64 { record.decidedAt }
    var attempts: Int { record.attempts }
}
