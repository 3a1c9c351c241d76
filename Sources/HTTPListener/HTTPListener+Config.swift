import CampaignConfig
import Delivery
import Engine
import Logging
import Prometheus
import Unsubscribe

extension HTTPListener {
    /// The listener the config's `http` section describes, or nil when there is none; with the
    /// unsubscribe secret of `channels.email` (without one, `/unsubscribe/…` answers 404 and a
    /// warning is logged). `onBound` gets the port once it accepts connections.
    ///
    /// - Throws: `ChannelSetupError` when the unsubscribe settings are invalid.
    public static func configured(
        _ config: Config, engine: Engine, registry: PrometheusCollectorRegistry, logger: Logger,
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws(ChannelSetupError) -> HTTPListener? {
        guard let address = config.http else { return nil }
        let unsubscriber = try Unsubscriber.configured(
            config, store: engine.store.consents, now: { [clock = engine.clock] in clock.now() }, logger: logger)
        if unsubscriber == nil {
            logger.warning("no unsubscribe secret in the config: /unsubscribe answers 404 (channels.email.unsubscribe_secret_file)")
        }
        return HTTPListener(
            address: address, engine: engine, unsubscriber: unsubscriber, registry: registry, logger: logger, onBound: onBound)
    }
}
