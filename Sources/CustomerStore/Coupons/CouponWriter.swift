import Foundation
import GRDB
import GRDBSQLite

/// Takes coupon codes for a tick's queued sends, on the tick's write transaction: a code is
/// handed out in the transaction that queues its send, so two ticks (or two processes) can never
/// give one code to two sends, and a rolled-back tick hands out none.
///
/// Free codes are read a chunk at a time (one search of `coupon_free`, the chunk doubling up to
/// `largestChunk`) with their integer keys and handed out from memory; the codes of recorded
/// sends are marked taken by key, one cached `UPDATE … FROM (VALUES …)` per 128 codes with their
/// values bound directly (`assignHeld`), before the next chunk is read and before the
/// transaction commits (`DecisionWriter.finishCoupons`). (One `UPDATE … FROM json_each` per
/// chunk cost more: encoding the JSON and SQLite's parsing of it; one statement per code, its
/// execution; marking by the code, a text search and a row rewritten as delete and insert:
/// migration `v11-coupon-integer-key`.) The earliest-expiring free code goes first (codes
/// without an expiry before those with one), then by code; an expired code is never handed out.
public final class CouponWriter {
    private let db: Database
    private let freeCodes: Statement
    private let assign: Statement
    /// `assign` for `assignBatch` codes at once (made on first use).
    private var assignMany: Statement?
    /// Per pool taken from this tick: one lookup per code handed out.
    private var pools: [String: PoolState] = [:]
    /// Codes of recorded sends not yet marked in `coupon`, with their send and assignment instant.
    private var held: [(code: Code, sendID: String, at: Int64)] = []
    /// Pools that had no free code for some send this tick.
    public private(set) var emptied: Set<String> = []

    /// What the writer knows of one pool during a tick.
    private final class PoolState {
        /// Free codes read but not yet handed out, the next one last.
        var fetched: [Code] = []
        /// The size of the next chunk.
        var chunk = CouponWriter.firstChunk
        /// The instant at which the pool's free codes were all read (the last chunk came back short).
        var exhaustedAt: Int64?
        /// Codes taken this tick.
        var taken = 0
    }

    /// Codes taken this tick, per pool.
    public var taken: [String: Int] { pools.mapValues(\.taken) }

    static let firstChunk = 64
    static let largestChunk = 16_384

    init(_ db: Database) throws {
        self.db = db
        freeCodes = try db.makeStatement(sql: Self.freeCodesSQL)
        assign = try db.makeStatement(sql: Self.assignSQL)
    }

    /// One code of a pool: its key in `coupon` and the code itself.
    public struct Code: Sendable, Equatable {
        public let id: Int64
        public let code: String
    }

    /// The first `limit` free, unexpired codes of a pool with their keys, codes without an
    /// expiry first, then by expiry, then by code: one ordered search of `coupon_free` (NULL
    /// sorts first; the index holds the key), no sort.
    static let freeCodesSQL = """
        SELECT id, code FROM coupon WHERE pool = ? AND send_id IS NULL AND (expires_at IS NULL OR expires_at > ?)
        ORDER BY expires_at, code LIMIT ?
        """
    /// The free, unexpired codes of a pool at an instant; runs on either store.
    public static let freeCountSQL = "SELECT count(*) FROM coupon WHERE pool = ? AND send_id IS NULL AND (expires_at IS NULL OR expires_at > ?)"
    /// Marks a code taken by a send; a code already taken is left alone (and then reported by
    /// `assignHeld`).
    static let assignSQL = "UPDATE coupon SET send_id = ?, assigned_at = ? WHERE id = ? AND send_id IS NULL"

    /// Codes marked by one execution of `assignManySQL`.
    static let assignBatch = 128
    /// `assignSQL` for `count` codes: (key, send, instant) triples bound in order, each code
    /// looked up by its key.
    static func assignManySQL(_ count: Int) -> String {
        let values = repeatElement("(?, ?, ?)", count: count).joined(separator: ", ")
        return """
            UPDATE coupon SET send_id = v.column2, assigned_at = v.column3 FROM (VALUES \(values)) AS v
            WHERE coupon.id = v.column1 AND coupon.send_id IS NULL
            """
    }

    /// A free, unexpired code of `pool`, handed out; nil when the pool has none. The caller then
    /// either `hold`s it for the send it recorded or `putBack`s it.
    public func take(from pool: String, now: Int64) throws -> Code? {
        let state = state(of: pool)
        if state.fetched.isEmpty && state.exhaustedAt != now {
            // Codes already handed out must be marked before the next search skips them.
            try assignHeld()
            let size = state.chunk
            state.chunk = min(size * 2, Self.largestChunk)
            var query = DirectBinding(freeCodes, on: db)
            query.text(1, pool)
            query.integer(2, now)
            query.integer(3, Int64(size))
            let codes = try query.rows { row in
                // `code` is NOT NULL: SQLite gives its UTF-8 and length.
                Code(id: sqlite3_column_int64(row, 0), code: String(
                    decoding: UnsafeBufferPointer(start: sqlite3_column_text(row, 1), count: Int(sqlite3_column_bytes(row, 1))),
                    as: UTF8.self))
            }
            // A short chunk was the rest of the pool: nothing frees up during a tick.
            if codes.count < size { state.exhaustedAt = now }
            state.fetched = codes.reversed()
        }
        guard let code = state.fetched.popLast() else { return nil }
        state.taken += 1
        return code
    }

    private func state(of pool: String) -> PoolState {
        if let state = pools[pool] { return state }
        let state = PoolState()
        pools[pool] = state
        return state
    }

    /// `code` goes to the recorded send `sendID`, assigned at `now` (marked by `assignHeld`).
    public func hold(_ code: Code, for sendID: String, now: Int64) {
        held.append((code, sendID, now))
    }

    /// A code `take` handed out for a send that was not recorded: the next one handed out.
    public func putBack(_ code: Code, into pool: String) {
        let state = state(of: pool)
        state.fetched.append(code)
        state.taken -= 1
    }

    /// Marks every held code taken by its send: `assignBatch` codes per statement, the rest one
    /// by one. Throws if a code was no longer free (impossible while this transaction holds the
    /// write lock).
    public func assignHeld() throws {
        var start = held.startIndex
        if held.count >= Self.assignBatch {
            let many = try assignMany ?? db.makeStatement(sql: Self.assignManySQL(Self.assignBatch))
            assignMany = many
            while held.endIndex - start >= Self.assignBatch {
                var binding = DirectBinding(many, on: db)
                var index: Int32 = 1
                for taken in held[start..<start + Self.assignBatch] {
                    binding.integer(index, taken.code.id)
                    binding.text(index + 1, taken.sendID)
                    binding.integer(index + 2, taken.at)
                    index += 3
                }
                guard try binding.step() == Self.assignBatch else { throw Self.noLongerFree(held[start..<start + Self.assignBatch]) }
                start += Self.assignBatch
            }
        }
        for taken in held[start...] {
            var binding = DirectBinding(assign, on: db)
            binding.text(1, taken.sendID)
            binding.integer(2, taken.at)
            binding.integer(3, taken.code.id)
            guard try binding.step() == 1 else { throw Self.noLongerFree([taken]) }
        }
        held.removeAll(keepingCapacity: true)
    }

    private static func noLongerFree(_ codes: some Collection<(code: Code, sendID: String, at: Int64)>) -> DatabaseError {
        let names = codes.prefix(3).map(\.code.code).joined(separator: ", ")
        return DatabaseError(
            resultCode: .SQLITE_CONSTRAINT,
            message: "coupon assignment: a code was no longer free (one of \(names)\(codes.count > 3 ? ", …" : ""))")
    }

    func noteEmpty(_ pool: String) { emptied.insert(pool) }
}

/// What a tick did with one coupon pool.
public struct CouponUse: Sendable, Equatable {
    public init(taken: Int, left: Int, ranOut: Bool) {
        self.taken = taken
        self.left = left
        self.ranOut = ranOut
    }

    /// Codes the tick handed out.
    public var taken: Int
    /// Free, unexpired codes left after the tick.
    public var left: Int
    /// Whether some send found the pool empty (and was skipped `no_coupon`).
    public var ranOut: Bool

    /// The pool may not last another tick like this one: fewer codes left than it took, or none.
    public var isRunningLow: Bool { ranOut || left < taken }

    /// Adds the use of `later` (a later part of the same tick) to each pool's use in `uses`: the
    /// codes taken add up, the codes left are the later count.
    public static func merging(_ later: [String: CouponUse], into uses: inout [String: CouponUse]) {
        for (pool, use) in later {
            let before = uses[pool] ?? CouponUse(taken: 0, left: use.left, ranOut: false)
            uses[pool] = CouponUse(taken: before.taken + use.taken, left: use.left, ranOut: before.ranOut || use.ranOut)
        }
    }
}

extension DecisionWriter {
    /// Per pool this tick took from (or found empty): codes taken and codes left.
    public func couponUse(now: Int64) throws -> [String: CouponUse] {
        guard let coupons = couponWriter else { return [:] }
        try coupons.assignHeld()
        var use: [String: CouponUse] = [:]
        for pool in Set(coupons.taken.keys).union(coupons.emptied) {
            let left = try inTransaction { db in
                try Int.fetchOne(db, sql: CouponWriter.freeCountSQL, arguments: [pool, now]) ?? 0
            }
            use[pool] = CouponUse(taken: coupons.taken[pool] ?? 0, left: left, ranOut: coupons.emptied.contains(pool))
        }
        return use
    }

    /// Marks the codes this tick's sends hold as taken; before the tick's transaction commits.
    public func finishCoupons() throws {
        try couponWriter?.assignHeld()
    }
}
