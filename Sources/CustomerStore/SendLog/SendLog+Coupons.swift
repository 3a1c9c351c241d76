import GRDB

/// Per rule, the pool codes its sends took in a period: for `report`.
public struct CouponRedemptionRow: Sendable, Equatable {
    public var rule: String
    /// Codes held by the rule's sends decided in the period (released codes are not).
    public var assigned: Int
    /// Of those, codes whose send was delivered.
    public var delivered: Int
    /// Of those, codes a purchase named.
    public var redeemed: Int
}

extension SendLog {
    /// Per rule (journey steps left out), codes its sends decided in `since…now` hold, delivered
    /// and redeemed; by rule name.
    public func couponRedemptions(since: Int64?, now: Int64, rule: String?) throws -> [CouponRedemptionRow] {
        try database.read { db in
            // Variants (issue 16, part 1): add `s.variant` to the SELECT and GROUP BY to report
            // redemption per rule and variant.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.rule, count(*), sum(CASE WHEN s.status = 'sent' THEN 1 ELSE 0 END), count(k.redeemed_at)
                    FROM send s JOIN coupon k ON k.code = s.coupon AND k.send_id = s.send_id
                    WHERE s.journey IS NULL AND s.decided_at <= ?1 AND (?2 IS NULL OR s.decided_at >= ?2)
                      AND (?3 IS NULL OR s.rule = ?3)
                    GROUP BY s.rule ORDER BY s.rule
                    """, arguments: [now, since, rule]
            ).map { CouponRedemptionRow(rule: $0[0], assigned: $0[1], delivered: $0[2], redeemed: $0[3]) }
        }
    }
}
