import Foundation
import RuleLanguage

/// What an evaluation needs besides the rules and the store: the instant and the shop's policy.
public struct EvaluationSettings: Sendable {
    /// The one instant of this evaluation, in Unix seconds.
    public var now: Int64
    /// The business time zone: for customers without a (valid) zone of their own, and for dates.
    public var businessTimeZone: TimeZone
    /// ISO 4217 code of the store currency; money literals are converted to its minor units.
    public var currency: String
    /// At most this many messages (email, letter) per customer in `contactPressureDays` days;
    /// 0 turns the cap off.
    public var contactPressureMessages: Int
    public var contactPressureDays: Int
    /// Quiet hours for email rules that name none (the config's `quiet_hours`), if any.
    public var defaultEmailQuietHours: QuietHours?
    /// How many customer ids `plan` lists per rule.
    public var sampleSize: Int
    /// Whether each decision carries the values behind its condition (for the send log).
    public var includeEvidence = false
    /// Recorded A/B winners, variant by rule name (`CustomerStore.variantWinners`): new sends of
    /// those rules go to the winner.
    public var winners: [String: String] = [:]

    public init(
        now: Int64, businessTimeZone: TimeZone, currency: String, contactPressureMessages: Int = 0,
        contactPressureDays: Int = 7, defaultEmailQuietHours: QuietHours? = nil, sampleSize: Int = 10
    ) {
        self.now = now
        self.businessTimeZone = businessTimeZone
        self.currency = currency
        self.contactPressureMessages = contactPressureMessages
        self.contactPressureDays = contactPressureDays
        self.defaultEmailQuietHours = defaultEmailQuietHours
        self.sampleSize = sampleSize
    }

    /// Quiet hours that apply to a rule: its own, else the config's for email.
    func quietHours(for rule: Rule) -> QuietHours? {
        rule.quietHours ?? (rule.channel == .email ? defaultEmailQuietHours : nil)
    }

    /// Whether sends on this channel with this purpose count toward (and are limited by) the
    /// contact-pressure cap: marketing messages to the customer do; webhooks go to the shop's own
    /// systems and service messages are not marketing, so neither does.
    static func countsTowardCap(_ channel: Channel, _ purpose: MessagePurpose) -> Bool {
        channel != .webhook && purpose == .marketing
    }
}
