import GRDB

/// How many send-log rows of one journey step ended how: one status (`queued` counts rows still
/// queued or in flight), and for skips one reason.
public struct JourneyStepCount: Decodable, Sendable, Equatable, FetchableRecord {
    public var journey: String
    public var step: String
    /// `queued`, `sent`, `failed`, `holdout` or `skipped`.
    public var status: String
    /// The skip's reason; empty for the other statuses.
    public var reason: String
    public var count: Int
}

extension SendLog {
    /// Per journey step, its send-log rows decided in the period (`since ≤ decided_at ≤ now`) by
    /// status, skips by reason, in one read transaction. Ordered by journey, then by each step's
    /// first decision (the order the steps ran in), then status and reason.
    public func journeyStepCounts(since: Int64?, now: Int64, journey: String? = nil) throws -> [JourneyStepCount] {
        try database.read { db in
            try JourneyStepCount.fetchAll(
                db,
                sql: """
                    SELECT journey, step, status, reason, count FROM (
                        SELECT journey, step,
                               CASE WHEN status = 'in_flight' THEN 'queued' ELSE status END AS status,
                               CASE WHEN status = 'skipped' THEN coalesce(reason, '') ELSE '' END AS reason,
                               count(*) AS count,
                               min(min(decided_at)) OVER (PARTITION BY journey, step) AS first
                        FROM send
                        WHERE journey IS NOT NULL AND step IS NOT NULL AND decided_at BETWEEN :since AND :now
                          \(journey == nil ? "" : "AND journey = :journey")
                        GROUP BY 1, 2, 3, 4
                    )
                    ORDER BY journey, first, step, status, reason
                    """,
                arguments: ["since": since ?? Int64.min, "now": now, "journey": journey])
        }
    }
}
