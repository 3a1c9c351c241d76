import GRDB

/// Per rule, the pool codes its sends took in a period: for `report`.
public struct CouponRedemptionRow: Decodable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var rule: String
    /// Codes held by the rule's sends decided in the period (a send that gave its code back holds none).
    public var assigned: Int
    /// Of those, codes whose send was delivered.
    public var delivered: Int
    /// Of those, codes a purchase named.
    public var redeemed: Int

    public init(rule: String, assigned: Int, delivered: Int, redeemed: Int) {
        self.rule = rule
        self.assigned = assigned
        self.delivered = delivered
        self.redeemed = redeemed
    }
}

extension CouponRedemptionRow {
    /// Per rule (journey steps left out), the codes its sends decided in the period hold,
    /// delivered and redeemed; ordered by rule (in byte order).
    static func statement(_ request: ReportRows.Request, dialect: SQLDialect) -> ReportRows.Statement {
        var arguments = [request.from.sqlValue, request.now.sqlValue]
        if let rule = request.rule { arguments.append(rule.sqlValue) }
        // Variants (issue 16, part 1): add `s.variant` to the SELECT and GROUP BY to report
        // redemption per rule and variant.
        return ReportRows.Statement(
            sql: """
                SELECT s.rule AS rule, count(*) AS assigned, count(*) FILTER (WHERE s.status = 'sent') AS delivered,
                       count(k.redeemed_at) AS redeemed
                FROM send s JOIN coupon k ON k.code = s.coupon
                WHERE s.journey IS NULL AND s.decided_at BETWEEN ? AND ? \(request.rule == nil ? "" : "AND s.rule = ?")
                GROUP BY s.rule ORDER BY s.rule\(dialect.byteOrder)
                """,
            arguments: arguments
        ) { rows, into in into.coupons = try rows.map(CouponRedemptionRow.init(row:)) }
    }
}
