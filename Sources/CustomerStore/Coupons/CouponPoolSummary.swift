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

    /// Every pool's counts, one row per pool in name order: the pool's name, then six whole
    /// numbers in the order of the fields. The same SQL runs on both stores; its two arguments are
    /// both `now`.
    public static let poolsSQL = """
        SELECT k.pool, count(*),
               count(s.id),
               sum(CASE WHEN s.status = 'sent' THEN 1 ELSE 0 END),
               count(k.redeemed_at),
               sum(CASE WHEN s.id IS NULL AND k.place > coalesce(p.handed_through, 0)
                         AND (k.expires_at IS NULL OR k.expires_at > ?) THEN 1 ELSE 0 END),
               sum(CASE WHEN s.id IS NULL AND k.expires_at <= ? THEN 1 ELSE 0 END)
        FROM coupon k LEFT JOIN coupon_pool p ON p.pool = k.pool LEFT JOIN send s ON s.coupon = k.code
        GROUP BY k.pool ORDER BY k.pool
        """
}

extension CouponPoolSummary {
    /// A row of `poolsSQL`: the pool's name and its six counts.
    public init(pool: String, counts: [Int64]) {
        precondition(counts.count == 6, "CouponPoolSummary.poolsSQL gives six counts")
        self.pool = pool
        (total, assigned, delivered) = (Int(counts[0]), Int(counts[1]), Int(counts[2]))
        (redeemed, left, expired) = (Int(counts[3]), Int(counts[4]), Int(counts[5]))
    }
}

extension CustomerStore {
    /// Every pool's counts at `now`, by pool name.
    public func couponPools(now: Int64) throws -> [CouponPoolSummary] {
        try database.read { db in
            try Row.fetchAll(db, sql: CouponPoolSummary.poolsSQL, arguments: [now, now]).map { row in
                CouponPoolSummary(pool: row[0], counts: (1...6).map { row[$0] as Int64 })
            }
        }
    }
}
