import GRDB

/// How many send-log rows of one journey step ended how: one status (`queued` counts rows still
/// queued or in flight), and for skips one reason.
public struct JourneyStepCount: Decodable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var journey: String
    public var step: String
    /// `queued`, `sent`, `failed`, `holdout` or `skipped`.
    public var status: String
    /// The skip's reason; empty for the other statuses.
    public var reason: String
    public var count: Int
}

extension JourneyStepCount {
    /// Per journey step, its send-log rows decided in the period (`since ≤ decided_at ≤ now`) by
    /// status, skips by reason. Ordered by journey, then by each step's first decision (the
    /// order the steps ran in), then step, status and reason (text in byte order).
    static func statement(_ request: ReportRows.Request, dialect: SQLDialect) -> ReportRows.Statement {
        var arguments = [request.from.sqlValue, request.now.sqlValue]
        if let journey = request.journey { arguments.append(journey.sqlValue) }
        let bytes = dialect.byteOrder
        return ReportRows.Statement(
            sql: """
                SELECT journey, step, status, reason, count FROM (
                    SELECT journey, step,
                           CASE WHEN status = 'in_flight' THEN 'queued' ELSE status END AS status,
                           CASE WHEN status = 'skipped' THEN coalesce(reason, '') ELSE '' END AS reason,
                           count(*) AS count,
                           min(min(decided_at)) OVER (PARTITION BY journey, step) AS first_decided_at
                    FROM send
                    WHERE journey IS NOT NULL AND step IS NOT NULL AND decided_at BETWEEN ? AND ?
                      \(request.journey == nil ? "" : "AND journey = ?")
                    GROUP BY 1, 2, 3, 4
                ) AS steps
                ORDER BY journey\(bytes), first_decided_at, step\(bytes), status\(bytes), reason\(bytes)
                """,
            arguments: arguments
        ) { rows, into in into.journeySteps = try rows.map(JourneyStepCount.init(row:)) }
    }
}
