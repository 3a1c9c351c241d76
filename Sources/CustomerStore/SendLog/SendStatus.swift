/// The states of a row in the send log (`send.status`).
///
/// ```
/// queued ──claim──▶ in_flight ──delivered──▶ sent
///   ▲                  │ ├──retryable, young──▶ queued (due later)
///   │                  │ ├──retryable, too old / permanent──▶ failed
///   └──crash recovery──┘ └──no consent / suppressed / erased at dispatch──▶ skipped
/// holdout, skipped: final when recorded by a tick (a skip becomes queued if the customer
/// qualifies later in the same limit window)
/// ```
public enum SendStatus: String, CaseIterable, Sendable, Codable {
    case queued
    case inFlight = "in_flight"
    case sent
    case failed
    case holdout
    case skipped
}

extension SendStatus {
    /// Decisions that count as handled for a rule's limit and as exposures for the report: every
    /// row but a skip.
    public static let handled: [SendStatus] = [.queued, .inFlight, .sent, .failed, .holdout]
    /// Messages that count toward the contact-pressure cap: queued, being sent or sent.
    public static let messages: [SendStatus] = [.queued, .inFlight, .sent]
    /// Rows the dispatcher still owns: the partial index `send_due` covers exactly these.
    public static let pending: [SendStatus] = [.queued, .inFlight]

    /// `('queued', 'in_flight', …)`: a SQL list of status literals, for compiled conditions over
    /// the send log. The only place status names are spelt in SQL outside the store.
    public static func sqlList(_ statuses: [SendStatus]) -> String {
        "(" + statuses.map(\.sqlLiteral).joined(separator: ", ") + ")"
    }

    /// `'sent'`: the status as a SQL literal, for `status = …` (which, unlike `IN (…)`, lets
    /// SQLite use the partial index `send_received`).
    public var sqlLiteral: String { "'\(rawValue)'" }
}
