import CampaignConfig
import CustomerStore
import Delivery
import Foundation
import Logging
import RuleLanguage

/// Turns a one-click unsubscribe token into a consent withdrawal: the HTTP listener's
/// `POST /unsubscribe/TOKEN` and `campaignd unsubscribe TOKEN` share it.
///
/// A genuine token adds a `consent` row (status `withdrawn`, the token's channel, `at` = now,
/// `source` as given) for the customer with the token's external id, unless consent on that
/// channel is already withdrawn. Nothing else changes: no suppression row (docs/store.md). The
/// dispatcher re-checks consent before each send, so sends already queued are dropped too.
public struct Unsubscriber: Sendable {
    let token: UnsubscribeToken
    let store: any ConsentWithdrawing
    /// Seconds since the epoch; the daemon passes its engine's clock.
    let now: @Sendable () -> Double
    let logger: Logger

    public init(token: UnsubscribeToken, store: any ConsentWithdrawing, now: @escaping @Sendable () -> Double, logger: Logger) {
        self.token = token
        self.store = store
        self.now = now
        self.logger = logger
    }

    /// The unsubscriber the config's email settings describe (`unsubscribe_secret_file`), or
    /// nil when the config has no unsubscribe secret.
    public static func configured(
        _ config: Config, store: any ConsentWithdrawing, now: @escaping @Sendable () -> Double, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ChannelSetupError) -> Unsubscriber? {
        guard let (token, _) = try UnsubscribeToken.configured(email: config.channels.email.settings, environment: environment)
        else { return nil }
        return Unsubscriber(token: token, store: store, now: now, logger: logger)
    }

    /// The customer and channel a token names, nil when it is forged, altered or malformed.
    public func verify(_ text: String) -> (externalID: String, channel: Channel)? {
        guard text.utf8.count <= Self.maximumTokenLength else { return nil }
        return token.verify(text)
    }

    /// Longer texts are not tokens (an external id of 300 characters is not either).
    public static let maximumTokenLength = 512

    /// Withdraws consent for the token's customer and channel (`CustomerStore.withdrawConsent`:
    /// the write waits behind a tick's transaction, never failing for it); a forged token writes nothing.
    public func unsubscribe(_ text: String, source: String) async throws -> UnsubscribeResult {
        guard let (externalID, channel) = verify(text) else { return .invalidToken }
        let at = Int64(now().rounded(.down))
        let result: UnsubscribeResult =
            switch try await store.withdrawConsent(externalID: externalID, channel: channel.rawValue, at: at, source: source) {
            case .withdrawn: .withdrawn(channel)
            case .alreadyWithdrawn: .alreadyWithdrawn(channel)
            case .unknownCustomer: .unknownCustomer(channel)
            }
        logger.info("unsubscribe", metadata: ["unsubscribe.channel": "\(channel.rawValue)", "unsubscribe.source": "\(source)", "unsubscribe.result": "\(result.name)"])
        logger.debug("unsubscribe: customer", metadata: ["customer.external_id": "\(externalID)"])
        return result
    }
}
