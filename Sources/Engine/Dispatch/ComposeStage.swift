import CustomerStore
import Delivery
import Evaluation
import Foundation
import RuleLanguage

/// The third stage: turns a send and the customer's profile into the message a channel renders
/// (recipient, attributes and facts such as orders, spent and days since the last purchase).
///
/// Pure: no store, no clock (the instant comes in), so it composes a batch as easily as one.
struct ComposeStage: Sendable {
    /// The message for `send` to `customer`, with facts as of `now`.
    func compose(_ send: DueSend, customer: CustomerProfile, runtime: EngineRuntime, now: Int64) -> OutboundMessage {
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
            sendID: send.sendID, rule: send.rule, ruleHash: send.ruleHash, channel: send.channel, target: send.target,
            isMarketing: send.channel != .webhook && send.purpose == .marketing, coupon: send.coupon, queuedAt: Date(timeIntervalSince1970: TimeInterval(send.decidedAt)),
            recipient: recipient, facts: facts, variant: send.record.variant)
    }
}
