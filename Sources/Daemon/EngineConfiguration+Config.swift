import CampaignConfig
import Delivery
import Engine
import RuleLanguage

extension EngineConfiguration {
    /// What the engine runs with under `config`: its checked rules, its channels, the dispatch
    /// and retry policy, the tick interval and the contact-pressure cap.
    init(config: Config, ruleSet: RuleSet, channels: ChannelSet) {
        var rates: [Channel: Double] = [:]
        for (name, rate) in config.dispatch.ratePerSecond {
            if let channel = Channel(rawValue: name) { rates[channel] = rate }
        }
        let runtime = EngineRuntime(
            ruleSet: ruleSet,
            channels: [.email: channels.email, .letter: channels.letter, .webhook: channels.webhook],
            businessTimeZone: config.timeZone, currency: config.currency,
            defaultEmailQuietHours: config.defaultEmailQuietHours)
        let retry = RetryPolicy(
            initialDelay: Self.seconds(config.retry.initialDelay), maxDelay: Self.seconds(config.retry.maxDelay),
            maxAge: Self.seconds(config.retry.maxAge))
        self.init(
            runtime: runtime,
            policy: DispatchPolicy(concurrency: config.dispatch.concurrency, ratePerSecond: rates, retry: retry),
            tickSeconds: max(1, Int64(Self.seconds(config.tick))),
            contactPressureMessages: config.contactPressure.maxMessages,
            contactPressureDays: config.contactPressure.perDays)
    }

    /// `duration` in seconds, fractions included.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
