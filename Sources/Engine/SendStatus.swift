/// The states of a row in the send log.
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
