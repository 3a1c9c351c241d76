import Foundation

/// The clauses of service messages and coupon pools (issue 16): `purpose marketing|service` and
/// `coupon from pool "NAME"`, for rules and journey steps alike.
extension Parser {
    /// `purpose marketing` or `purpose service`; the word is checked by the checker.
    mutating func parsePurpose() -> ClauseSyntax.Kind? {
        guard case .word(let word) = current.kind else {
            report(
                "expected 'marketing' or 'service' after 'purpose', found \(current.kind.displayName)", at: current,
                hint: "a service message (an order update, an alert to the shop's CRM) needs no marketing consent")
            return nil
        }
        let range = advance().range
        return .purpose(word, range: range)
    }

    /// `coupon from pool "NAME"`
    mutating func parseCouponPool() -> ClauseSyntax.Kind? {
        let hint = "write 'coupon from pool \"NAME\"' after 'campaignd import coupons NAME FILE'"
        guard current.kind == .word("from") else {
            report("expected 'from pool' after 'coupon', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard current.kind == .word("pool") else {
            report("expected 'pool' after 'coupon from', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        advance()
        guard case .string(let pool) = current.kind else {
            report("expected a quoted pool name after 'coupon from pool', found \(current.kind.displayName)", at: current, hint: hint)
            return nil
        }
        let range = advance().range
        return .couponPool(pool, range: range)
    }
}
