import Delivery

/// Where a rule test's sends go: nowhere. Every message counts as delivered, so the send log
/// moves on as in production (`received "…"`, contact pressure), and nothing leaves the machine.
struct NullChannel: DeliveryChannel {
    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        .delivered(receipt: "campaignd test: not sent")
    }
}
