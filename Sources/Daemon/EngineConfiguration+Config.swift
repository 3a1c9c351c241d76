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
            initialDelay: config.retry.initialDelay / .seconds(1), maxDelay: config.retry.maxDelay / .seconds(1),
            maxAge: config.retry.maxAge / .seconds(1))
        self.init(
            runtime: runtime,
            policy: DispatchPolicy(concurrency: config.dispatch.concurrency, ratePerSecond: rates, retry: retry),
            tickSeconds: max(1, Int64(config.tick / .seconds(1))),
            contactPressureMessages: config.contactPressure.maxMessages,
            contactPressureDays: config.contactPressure.perDays)
    }
}
