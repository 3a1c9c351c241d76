import CustomerStore
import Foundation

extension PostgresTickTransaction {
    /// Decisions recorded by a tick, after coupon codes were taken for them.
    public struct Recorded: Sendable {
        /// The decisions as written: a queued send of a rule on a pool with its code, or skipped
        /// `no_coupon` when the pool had none left.
        public var decisions: [SendDecision]
        /// The send ids of the rows written; the other decisions changed nothing.
        public var written: Set<String>
        /// Per pool taken from (or found empty): codes taken and codes left.
        public var coupons: [String: CouponUse]
    }

    /// Records `decisions` as `record(_:)` does, first taking a code for each queued decision of a
    /// rule on a coupon pool (`couponPools`, pool by rule name), with the SQLite tick's outcome
    /// (`DecisionWriter.record(_:couponPool:)`): a code goes only to a decision that will be
    /// written (no row yet for its rule, customer and window, or a skipped one), the
    /// earliest-expiring free code first (codes without an expiry before the others), never an
    /// expired one; with none left the decision is recorded as skipped `no_coupon` (which, over an
    /// earlier skip, changes nothing). The codes are marked taken by their sends in this
    /// transaction, so a rolled-back tick hands out none.
    public func record(_ decisions: [SendDecision], couponPools: [String: String], now: Int64) async throws -> Recorded {
        var decisions = decisions
        let wanting = decisions.indices.filter { decisions[$0].status == .queued && couponPools[decisions[$0].rule] != nil }
        guard !wanting.isEmpty else { return Recorded(decisions: decisions, written: try await record(decisions), coupons: [:]) }
        let existing = try await existingStatuses(of: wanting.map { decisions[$0] })
        // In decision order per pool, as SQLite's tick takes them: whether each would be written.
        var byPool: [String: [(index: Int, writes: Bool)]] = [:]
        var pools: [String] = []
        for (position, index) in wanting.enumerated() {
            let pool = couponPools[decisions[index].rule]!
            if byPool[pool] == nil { pools.append(pool) }
            let status = existing[position]
            byPool[pool, default: []].append((index, status == nil || status == SendStatus.skipped.rawValue))
        }
        var held: [(code: String, sendID: String)] = []
        var use: [String: CouponUse] = [:]
        for pool in pools {
            let wanted = byPool[pool]!
            var codes = try await freeCodes(of: pool, now: now, limit: wanted.count { $0.writes })[...]
            var taken = 0
            var ranOut = false
            for (index, writes) in wanted {
                if writes, let code = codes.popFirst() {
                    decisions[index].coupon = code
                    held.append((code, decisions[index].sendID))
                    taken += 1
                } else if writes || codes.isEmpty {
                    // SQLite's tick finds the pool empty here too: a decision that changes nothing
                    // takes a code and puts it back only while one is left.
                    (decisions[index].status, decisions[index].reason, decisions[index].dueAt) = (.skipped, "no_coupon", nil)
                    ranOut = true
                }
            }
            use[pool] = CouponUse(taken: taken, left: 0, ranOut: ranOut)
        }
        let written = try await record(decisions)
        try await assign(held, at: now, written: written)
        for pool in pools { use[pool]?.left = try await connection.count(CouponWriter.freeCountSQL, [pool.sqlValue, now.sqlValue]) }
        return Recorded(decisions: decisions, written: written, coupons: use)
    }

    /// The status of the row each decision's rule, customer and window already has (nil: none),
    /// in the order of `decisions`.
    private func existingStatuses(of decisions: [SendDecision]) async throws -> [String?] {
        var keys: [[String: Any]] = []
        keys.reserveCapacity(decisions.count)
        for (position, decision) in decisions.enumerated() {
            keys.append(["i": position, "rule": decision.rule, "customer_id": decision.customerID, "window_key": decision.windowKey])
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: keys), as: UTF8.self)
        var statuses = [String?](repeating: nil, count: decisions.count)
        let rows = try await connection.rows(
            """
            SELECT d.i, s.status
            FROM json_to_recordset(?::json) AS d(i integer, rule text, customer_id bigint, window_key bigint)
            JOIN send s ON s.rule = d.rule AND s.customer_id = d.customer_id AND s.window_key = d.window_key
            """, [json.sqlValue])
        for row in rows {
            guard let position = row[0].int else { continue }
            statuses[position] = row[1].string
        }
        return statuses
    }

    /// Up to `limit` free, unexpired codes of `pool`, in the order SQLite's tick hands them out
    /// (`CouponWriter.freeCodesSQL`, whose NULL expiries sort first).
    private func freeCodes(of pool: String, now: Int64, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        return try await connection.rows(
            """
            SELECT code FROM coupon WHERE pool = ? AND send_id IS NULL AND (expires_at IS NULL OR expires_at > ?)
            ORDER BY expires_at NULLS FIRST, code LIMIT ?
            """, [pool.sqlValue, now.sqlValue, Int64(limit).sqlValue]
        ).compactMap { $0[0].string }
    }

    /// Marks each held code taken by its send, assigned at `now`. Every held code's send was
    /// written and every code was free in this snapshot; a code no longer free (another writer
    /// took it) fails the tick, which then records nothing.
    private func assign(_ held: [(code: String, sendID: String)], at now: Int64, written: Set<String>) async throws {
        guard !held.isEmpty else { return }
        if let unwritten = held.first(where: { !written.contains($0.sendID) }) {
            throw CouponAssignmentError(reason: "send \(unwritten.sendID) was not recorded but holds code \(unwritten.code)")
        }
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: held.map { ["code": $0.code, "send_id": $0.sendID] }), as: UTF8.self)
        let marked = try await connection.count(
            """
            WITH marked AS (
                UPDATE coupon SET send_id = d.send_id, assigned_at = ?
                FROM json_to_recordset(?::json) AS d(code text, send_id text)
                WHERE coupon.code = d.code AND coupon.send_id IS NULL
                RETURNING 1)
            SELECT count(*) FROM marked
            """, [now.sqlValue, json.sqlValue])
        guard marked == held.count else {
            throw CouponAssignmentError(reason: "\(held.count - marked) of \(held.count) codes were no longer free")
        }
    }
}

/// A tick's coupon codes could not be marked as planned (a code taken by another writer since the
/// tick's snapshot); the tick fails and records nothing.
public struct CouponAssignmentError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "coupon assignment: \(reason)" }
}
