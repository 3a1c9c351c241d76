import Foundation
import RuleLanguage

/// One send, as the dispatcher hands it to a channel: everything a template may show and
/// everything a receiver needs to deduplicate.
///
/// `sendID` is stable across retries and restarts; channels derive their idempotency keys from
/// it (SMTP Message-ID, `Idempotency-Key`, `webhook-id`).
public struct OutboundMessage: Sendable, Equatable {
    /// The send log's stable id for this send.
    public var sendID: String
    /// The rule that queued it, and its file's content hash.
    public var rule: String
    public var ruleHash: String
    public var channel: Channel
    /// Template name (email, letter) or webhook endpoint name (webhook).
    public var target: String
    /// Marketing mail carries `List-Unsubscribe`; service mail (`purpose service`) does not.
    public var isMarketing: Bool
    /// The code taken from the rule's coupon pool; nil: templates get the derived code.
    public var coupon: String?
    /// The instant of the tick that queued the send.
    public var queuedAt: Date
    public var recipient: Recipient
    /// Facts about the customer for templates (`orders`, `spent`, `days_since_last_purchase`, …),
    /// already formatted as text.
    public var facts: [String: String]
    /// The customer's signed one-click unsubscribe link for this channel, if the shop has one.
    public var unsubscribeURL: String?
    /// The A/B variant the send was queued with (templates see `send.variant`); nil without variants.
    public var variant: String?

    public init(
        sendID: String, rule: String, ruleHash: String, channel: Channel, target: String,
        isMarketing: Bool = true, coupon: String? = nil, queuedAt: Date, recipient: Recipient, facts: [String: String] = [:],
        unsubscribeURL: String? = nil, variant: String? = nil
    ) {
        self.sendID = sendID
        self.rule = rule
        self.ruleHash = ruleHash
        self.channel = channel
        self.target = target
        self.isMarketing = isMarketing
        self.coupon = coupon
        self.queuedAt = queuedAt
        self.recipient = recipient
        self.facts = facts
        self.unsubscribeURL = unsubscribeURL
        self.variant = variant
    }
}

/// The customer a message goes to, as stored (values may hold anything, CR/LF included).
public struct Recipient: Sendable, Equatable {
    public var customerID: Int64
    public var externalID: String
    public var name: String?
    public var email: String?
    public var street: String?
    public var postalCode: String?
    public var city: String?
    public var country: String?
    public var locale: String?
    public var timeZone: String?
    /// Custom attributes from the import.
    public var attributes: [String: String]

    public init(
        customerID: Int64, externalID: String, name: String? = nil, email: String? = nil,
        street: String? = nil, postalCode: String? = nil, city: String? = nil, country: String? = nil,
        locale: String? = nil, timeZone: String? = nil, attributes: [String: String] = [:]
    ) {
        self.customerID = customerID
        self.externalID = externalID
        self.name = name
        self.email = email
        self.street = street
        self.postalCode = postalCode
        self.city = city
        self.country = country
        self.locale = locale
        self.timeZone = timeZone
        self.attributes = attributes
    }
}
