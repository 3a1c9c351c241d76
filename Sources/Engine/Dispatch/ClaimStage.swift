import CustomerStore
import Evaluation

/// The first stage: claims due sends, marking them `in_flight` in a committed transaction before
/// any network I/O, so a crash can resend but never lose them.
///
/// Batch-shaped: one write transaction claims up to `limit` rows and, in the same transaction,
/// reads what `RecheckStage` needs for all of them (consent, suppression, address, profile).
struct ClaimStage: Sendable {
    let store: any DispatchStore

    /// Up to `limit` sends due at `now`, earliest first, now `in_flight`, each with its re-check
    /// read. A row naming a channel this version does not know is claimed but not returned.
    func claim(limit: Int, now: Int64) async throws -> [DueSend] {
        try await store.claimAndRecheck(limit: limit, now: now).compactMap {
            DueSend($0.send, found: $0.recheck)
        }
    }
}
