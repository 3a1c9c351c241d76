/// What became of one claimed send, to be written to its row: the dispatcher's outcomes are
/// values, so several can be committed in one transaction (`SendLog.record`).
public struct SendOutcome: Sendable {
    /// The row's new state.
    public enum Change: Sendable, Equatable {
        /// Delivered: `sent`, with the receiver's receipt (cut to 500 characters) as the reason.
        case sent(attempts: Int, receipt: String?)
        /// A retryable failure: back to `queued`, due at `dueAt`, with the error (cut to 500 characters).
        case retry(attempts: Int, dueAt: Int64, error: String)
        /// A permanent failure: `failed`; a hard bounce suppresses the address on the send's channel.
        case failed(attempts: Int, error: String, hardBounce: Bool)
        /// Held for quiet hours: back to `queued`, due at `until`.
        case held(until: Int64)
        /// Ended without delivery: `skipped` or `failed` (gave up retrying), with the reason.
        case finished(status: SendStatus, reason: String, attempts: Int?)
    }

    public let send: SendRecord
    public let change: Change
    /// When it happened (Unix seconds): the row's `updated_at`.
    public let at: Int64

    public init(_ send: SendRecord, _ change: Change, at: Int64) {
        self.send = send
        self.change = change
        self.at = at
    }
}
