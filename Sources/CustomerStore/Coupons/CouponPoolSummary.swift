import GRDB

/// One coupon pool's codes, for `campaignd coupons`.
public struct CouponPoolSummary: Codable, Sendable, Equatable {
    public var pool: String
    /// Codes imported.
    public var total: Int
    /// Codes handed to a send (queued, in flight or sent).
    public var assigned: Int
    /// Of those, codes whose send was delivered.
    public var delivered: Int
    /// Codes a purchase named (`coupon` column of the purchases import).
    public var redeemed: Int
    /// Free codes that have not expired: what the next sends can take.
    public var left: Int
    /// Free codes past their expiry, never handed out.
    public var expired: Int
}

extension CustomerStore {
    /// Every pool's counts at `now`, by pool name.
    public func couponPools(now: Int64) throws -> [CouponPoolSummary] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT k.pool, count(*),
                           count(k.send_id),
                           sum(CASE WHEN s.status = 'sent' THEN 1 ELSE 0 END),
                           count(k.redeemed_at),
                           sum(CASE WHEN k.send_id IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?1) THEN 1 ELSE 0 END),
                           sum(CASE WHEN k.send_id IS NULL AND k.expires_at <= ?1 THEN 1 ELSE 0 END)
                    FROM coupon k LEFT JOIN send s ON s.send_id = k.send_id
                    GROUP BY k.pool ORDER BY k.pool
                    """, arguments: [now]
            ).map { row in
                CouponPoolSummary(
                    pool: row[0], total: row[1], assigned: row[2], delivered: row[3], redeemed: row[4], left: row[5],
                    expired: row[6])
            }
        }
    }
}
