import Delivery
import RuleLanguage

/// The fourth stage: waits for the channel's rate limit (a token bucket per channel), then hands
/// the message to the channel, which says whether a failure is retryable.
///
/// Takes one message: a channel sends one at a time over its reused connections. A batched form
/// would take a token per message and deliver them concurrently.
struct DeliverStage: Sendable {
    private let buckets: [Channel: TokenBucket]

    /// Limits each channel with a positive rate in `ratePerSecond`; the others are not limited.
    init(ratePerSecond: [Channel: Double], clock: any EngineClock) {
        var buckets: [Channel: TokenBucket] = [:]
        for (channel, rate) in ratePerSecond where rate > 0 { buckets[channel] = TokenBucket(rate: rate, clock: clock) }
        self.buckets = buckets
    }

    /// The channel's answer for `message`, through the channels of `runtime`. Throws only when
    /// the wait for a token is cancelled.
    func deliver(_ message: OutboundMessage, runtime: EngineRuntime) async throws -> DeliveryOutcome {
        try await buckets[message.channel]?.acquire()
        return await runtime.channel(message.channel).deliver(message)
    }
}
