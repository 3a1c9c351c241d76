import Delivery

/// What became of one claimed send before it is recorded: the re-check's skip or hold, or the
/// channel's answer.
enum SendResult: Sendable {
    /// Not sent: the re-check found a reason (erased, no consent, suppressed, no address).
    case skipped(reason: String)
    /// Not sent yet: the customer's quiet hours end at `until`.
    case held(until: Int64)
    /// Handed to the channel, which answered.
    case attempted(DeliveryOutcome)
}
