/// A coupon pool as a queue (migration `v12-coupon-queue`): each code has its `place` in its
/// pool, and `coupon_pool.handed_through` is the place the pool has been handed out through.
/// Codes at or before it went to sends, or had expired when the queue passed them; codes after
/// it are free. A code's send is the send row carrying it (`send.coupon`). The statements here
/// run on either store.
public enum CouponQueue {
    /// The place a pool has been handed out through (argument: the pool); no row is 0.
    public static let handedThroughSQL = "SELECT handed_through FROM coupon_pool WHERE pool = ?"

    /// The first `limit` unexpired codes of a pool after a place, in queue order, with their
    /// places (arguments: pool, place, instant, limit): one range of `coupon_queue` (which holds
    /// the expiry), each code then read from its row.
    public static let freeCodesSQL = """
        SELECT place, code FROM coupon WHERE pool = ? AND place > ? AND (expires_at IS NULL OR expires_at > ?)
        ORDER BY place LIMIT ?
        """

    /// Moves a pool's queue on to a place (arguments: pool, place); a tick, before it commits.
    public static let advanceSQL = """
        INSERT INTO coupon_pool(pool, handed_through) VALUES (?, ?)
        ON CONFLICT(pool) DO UPDATE SET handed_through = excluded.handed_through
        """

    /// The free, unexpired codes of a pool at an instant (arguments: pool, pool, instant): one
    /// range of `coupon_queue`, which holds the expiry too.
    public static let freeCountSQL = """
        SELECT count(*) FROM coupon
        WHERE pool = ? AND place > coalesce((SELECT handed_through FROM coupon_pool WHERE pool = ?), 0)
          AND (expires_at IS NULL OR expires_at > ?)
        """

    /// Queues a pool's free codes again after an import (arguments: pool three times): the codes
    /// the import added (place 0) and the free ones, after every place the pool has, codes
    /// without an expiry first, then by expiry, then by code (in byte order).
    public static func requeueSQL(_ dialect: SQLDialect) -> String {
        """
        UPDATE coupon SET place = q.place FROM (
            SELECT k.id, m.top + row_number() OVER (
                       ORDER BY k.expires_at IS NOT NULL, k.expires_at, k.code\(dialect.byteOrder)) AS place
            FROM coupon k, (SELECT coalesce(max(place), 0) AS top FROM coupon WHERE pool = ?) m
            WHERE k.pool = ?
              AND (k.place = 0 OR k.place > coalesce((SELECT handed_through FROM coupon_pool WHERE pool = ?), 0))
        ) q
        WHERE coupon.id = q.id
        """
    }

    /// Gives the code of a send that ended skipped or failed, never delivered, back to its pool
    /// (argument: the code): queued again at the end of the pool, unless a purchase already
    /// redeemed it. A code after the handed-out place is free already and stays where it is.
    public static let releaseSQL = """
        UPDATE coupon SET place = (SELECT max(k.place) + 1 FROM coupon k WHERE k.pool = coupon.pool)
        WHERE code = ? AND redeemed_at IS NULL
          AND place <= coalesce((SELECT p.handed_through FROM coupon_pool p WHERE p.pool = coupon.pool), 0)
        """
}
