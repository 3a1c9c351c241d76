/// A way to reach customers: SMTP email, the letters API, webhooks, or a spool directory.
///
/// Implementations are safe to call concurrently (the dispatcher runs several deliveries at
/// once) and never throw: every failure is classified into a `DeliveryOutcome`.
public protocol DeliveryChannel: Sendable {
    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome
}
