import RuleLanguage

/// A send-log row claimed for delivery (now `in_flight`).
struct DueSend: Sendable {
    let id: Int64
    let sendID: String
    let rule: String
    let ruleHash: String
    let customerID: Int64?
    let channel: Channel
    let target: String
    let decidedAt: Int64
    let attempts: Int
}
