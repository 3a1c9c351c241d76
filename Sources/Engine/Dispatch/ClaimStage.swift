import CustomerStore

/// The first stage: claims due sends, marking them `in_flight` in a committed transaction before
/// any network I/O, so a crash can resend but never lose them.
///
/// Already batch-shaped: one write transaction claims up to `limit` rows.
struct ClaimStage: Sendable {
    let sendLog: SendLog

    /// Up to `limit` sends due at `now`, earliest first, now `in_flight`. A row naming a channel
    /// this version does not know is claimed but not returned.
    func claim(limit: Int, now: Int64) async throws -> [DueSend] {
        try await sendLog.claimDue(limit: limit, now: now).compactMap(DueSend.init)
    }
}
