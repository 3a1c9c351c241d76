/// What became of one delivery attempt. The channel classifies; the dispatcher acts on it.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted by the receiver. `receipt` is what it answered (SMTP reply, API id), for the log.
    case delivered(receipt: String?)
    /// Worth trying again (SMTP 4xx, HTTP 5xx/429, timeouts, connection errors). `notBefore`
    /// is the receiver's own wish (`Retry-After`), in seconds, when it gave one.
    case retry(reason: String, notBefore: Double?)
    /// Will never succeed as it is (SMTP 5xx, HTTP 4xx, a template that does not render).
    /// `suppressAddress` asks the dispatcher to suppress the address as a hard bounce.
    case permanent(reason: String, suppressAddress: Bool)
}
