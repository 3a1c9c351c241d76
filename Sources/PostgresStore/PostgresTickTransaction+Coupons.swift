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
    /// written (no row yet for its rule, customer and window, or a skipped one), in queue order,
    /// never an expired one; with none left the decision is recorded as skipped `no_coupon`
    /// (which, over an earlier skip, changes nothing). Each pool's queue moves on in this
    /// transaction (`CouponQueue`), so a rolled-back tick hands out none.
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
        /// Per pool that handed out a code: the place of the last one.
        var through: [String: Int64] = [:]
        var use: [String: CouponUse] = [:]
        for pool in pools {
            let wanted = byPool[pool]!
            let after = try await handedThrough(pool)
            var codes = try await freeCodes(of: pool, after: after, now: now, limit: wanted.count { $0.writes })[...]
            var taken = 0
            var ranOut = false
            for (index, writes) in wanted {
                if writes, let code = codes.popFirst() {
                    decisions[index].coupon = code.code
                    held.append((code.code, decisions[index].sendID))
                    through[pool] = code.place
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
        if let unwritten = held.first(where: { !written.contains($0.sendID) }) {
            throw CouponAssignmentError(reason: "send \(unwritten.sendID) was not recorded but holds code \(unwritten.code)")
        }
        for pool in pools {
            if let place = through[pool] { try await connection.execute(CouponQueue.advanceSQL, [pool.sqlValue, place.sqlValue]) }
            use[pool]?.left = try await connection.count(CouponQueue.freeCountSQL, [pool.sqlValue, pool.sqlValue, now.sqlValue])
        }
        return Recorded(decisions: decisions, written: written, coupons: use)
    }

    /// The place `pool` has been handed out through, its row locked until the tick ends: a
    /// second tick taking from the pool waits for this one (and then fails on the changed row,
    /// recording nothing), so no code goes to two sends.
    private func handedThrough(_ pool: String) async throws -> Int64 {
        try await connection.execute(
            "INSERT INTO coupon_pool(pool, handed_through) VALUES (?, 0) ON CONFLICT (pool) DO NOTHING", [pool.sqlValue])
        let rows = try await connection.rows(CouponQueue.handedThroughSQL + " FOR UPDATE", [pool.sqlValue])
        return rows.first?[0].int64 ?? 0
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

    /// Up to `limit` unexpired codes of `pool` after the place `after`, in queue order, with
    /// their places.
    private func freeCodes(of pool: String, after: Int64, now: Int64, limit: Int) async throws -> [(place: Int64, code: String)] {
        guard limit > 0 else { return [] }
        return try await connection.rows(
            CouponQueue.freeCodesSQL, [pool.sqlValue, after.sqlValue, now.sqlValue, Int64(limit).sqlValue]
        ).compactMap { row in row[1].string.map { (row[0].int64 ?? 0, $0) } }
    }
}

/// A tick's coupon codes could not be handed out as planned (a send holding a code was not
/// recorded); the tick fails and records nothing.
public struct CouponAssignmentError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "coupon assignment: \(reason)" }
}
