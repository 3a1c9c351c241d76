import GRDB

extension SendLog {
    /// Whether `rule` has at least `minimum` variant sends decided at or before `cutoff`: one
    /// bounded search of `send_variant_by_rule`. Runs on either store.
    public static let variantSendsReadySQL = """
        SELECT count(*) FROM (
            SELECT 1 FROM send
            WHERE rule = ? AND variant IS NOT NULL AND journey IS NULL AND decided_at <= ?
            LIMIT ?) AS ready
        """

    /// What `winner after N days` judges for `rule` at `now`: `variantExposure`'s complete groups
    /// (recipients whose `windowSeconds` window has ended), reading only sends decided by
    /// `now - windowSeconds`. Nil, without reading further, while fewer than `minimum` variant
    /// sends are that old (a judge needing `minimum` recipients could not decide yet).
    public func completeVariantExposure(rule: String, now: Int64, windowSeconds: Int64, minimum: Int) throws -> [VariantExposure]? {
        let cutoff = now - windowSeconds
        return try database.read { db in
            let ready = try Int.fetchOne(db, sql: Self.variantSendsReadySQL, arguments: [rule, cutoff, minimum]) ?? 0
            guard ready >= minimum else { return nil }
            // A customer whose first decision is after the cutoff is incomplete, so leaving later
            // rows out changes no complete group.
            return try VariantExposure.fetchAll(
                db,
                sql: """
                    WITH first AS (
                        SELECT rule, customer_id, min(decided_at) AS decided_at, status, variant
                        FROM send
                        WHERE rule = :rule AND status IN \(SendStatus.sqlList(SendStatus.handled)) AND customer_id IS NOT NULL
                          AND journey IS NULL AND decided_at <= :cutoff
                        GROUP BY customer_id
                    ),
                    outcome AS (
                        SELECT f.rule, f.variant, f.status, count(p.at) AS orders, coalesce(sum(p.amount_minor), 0) AS revenue
                        FROM first f LEFT JOIN purchase p
                          ON p.customer_id = f.customer_id AND p.at > f.decided_at AND p.at <= f.decided_at + :window
                        WHERE f.variant IS NOT NULL
                        GROUP BY f.customer_id
                    )
                    SELECT rule, variant, 1 AS complete, count(*) AS customers,
                           sum(status = 'sent') AS delivered, sum(orders > 0) AS converted, sum(orders) AS orders,
                           sum(revenue) AS revenue, total(CAST(revenue AS REAL) * revenue) AS squares
                    FROM outcome
                    GROUP BY variant
                    ORDER BY variant
                    """,
                arguments: ["rule": rule, "cutoff": cutoff, "window": windowSeconds])
        }
    }
}
