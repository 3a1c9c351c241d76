import Delivery
import Foundation
import RuleLanguage

/// What the engine runs with, swapped as a whole on reload: rules, channels and policy.
public struct EngineRuntime: Sendable {
    public let ruleSet: RuleSet
    public let channels: [Channel: any DeliveryChannel]
    public let businessTimeZone: TimeZone
    public let currency: String
    /// The config's quiet hours, for email rules without their own.
    public let defaultEmailQuietHours: QuietHours?

    public init(
        ruleSet: RuleSet, channels: [Channel: any DeliveryChannel], businessTimeZone: TimeZone, currency: String,
        defaultEmailQuietHours: QuietHours?
    ) {
        self.ruleSet = ruleSet
        self.channels = channels
        self.businessTimeZone = businessTimeZone
        self.currency = currency
        self.defaultEmailQuietHours = defaultEmailQuietHours
    }

    func channel(_ channel: Channel) -> any DeliveryChannel {
        channels[channel] ?? MissingChannel(channel: channel)
    }

    /// Quiet hours for a send of `rule` (by name) right now: the rule's (a journey step's, for a
    /// journey send), else the config's for email. A rule or step no longer in the set keeps the config's.
    func quietHours(rule: String, channel: Channel, journey: String? = nil, step: String? = nil) -> QuietHours? {
        let own: QuietHours? = if let journey, let step {
            ruleSet.journey(named: journey)?.step(named: step)?.quietHours
        } else {
            ruleSet.rule(named: rule)?.quietHours
        }
        return own ?? (channel == .email ? defaultEmailQuietHours : nil)
    }
}

/// Stands in for a channel the runtime was built without: every send fails for good, saying so.
struct MissingChannel: DeliveryChannel {
    let channel: Channel
    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        .permanent(reason: "no \(channel.rawValue) channel is configured", suppressAddress: false)
    }
}
