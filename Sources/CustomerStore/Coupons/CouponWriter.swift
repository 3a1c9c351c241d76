import Foundation
import GRDB
import GRDBSQLite

/// Takes coupon codes for a tick's queued sends, on the tick's write transaction: a code is
/// handed out in the transaction that queues its send, so two ticks (or two processes) can never
/// give one code to two sends, and a rolled-back tick hands out none.
///
/// A pool is a queue (`CouponQueue`): its free codes are read in order a chunk at a time (one
/// range of `coupon_queue` after the place last read, the chunk doubling up to `largestChunk`)
/// and handed out from memory; before the transaction commits, each pool's queue is moved on to
/// the place it was handed out through (`advanceQueues`, one row per pool). Nothing is written
/// per code: the send row carries its code. (Marking each code taken, by its text key and then
/// by an integer one, was most of what the pools added to a tick at 1M customers: migration
/// `v12-coupon-queue`.) An expired code is never handed out.
public final class CouponWriter {
    private let db: Database
    private let freeCodes: Statement
    private let handedThrough: Statement
    private let advance: Statement
    /// Per pool taken from this tick: one lookup per code handed out.
    private var pools: [String: PoolState] = [:]
    /// Pools that had no free code for some send this tick.
    public private(set) var emptied: Set<String> = []

    /// What the writer knows of one pool during a tick.
    private final class PoolState {
        /// Free codes read but not yet handed out, the next one last.
        var fetched: [Code] = []
        /// The place of the last code read (the pool's handed-out place before the first read).
        var readThrough: Int64?
        /// The handed-out place the store has for the pool, as read or last written.
        var stored: Int64 = 0
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
        freeCodes = try db.makeStatement(sql: CouponQueue.freeCodesSQL)
        handedThrough = try db.makeStatement(sql: CouponQueue.handedThroughSQL)
        advance = try db.makeStatement(sql: CouponQueue.advanceSQL)
    }

    /// One code of a pool: its place in the pool's queue and the code itself.
    public struct Code: Sendable, Equatable {
        public let place: Int64
        public let code: String
    }

    /// A free, unexpired code of `pool`, handed out; nil when the pool has none. The caller then
    /// either keeps it for the send it recorded or `putBack`s it.
    public func take(from pool: String, now: Int64) throws -> Code? {
        let state = state(of: pool)
        if state.fetched.isEmpty && state.exhaustedAt != now {
            let after: Int64
            if let readThrough = state.readThrough {
                after = readThrough
            } else {
                after = try handedThrough(pool)
                state.stored = after
            }
            let size = state.chunk
            state.chunk = min(size * 2, Self.largestChunk)
            var query = DirectBinding(freeCodes, on: db)
            query.text(1, pool)
            query.integer(2, after)
            query.integer(3, now)
            query.integer(4, Int64(size))
            let codes = try query.rows { row in
                // `code` is NOT NULL: SQLite gives its UTF-8 and length.
                Code(place: sqlite3_column_int64(row, 0), code: String(
                    decoding: UnsafeBufferPointer(start: sqlite3_column_text(row, 1), count: Int(sqlite3_column_bytes(row, 1))),
                    as: UTF8.self))
            }
            state.readThrough = codes.last?.place ?? after
            // A short chunk was the rest of the pool: nothing frees up during a tick.
            if codes.count < size { state.exhaustedAt = now }
            state.fetched = codes.reversed()
        }
        guard let code = state.fetched.popLast() else { return nil }
        state.taken += 1
        return code
    }

    /// The place `pool` has been handed out through, as the store has it.
    private func handedThrough(_ pool: String) throws -> Int64 {
        var query = DirectBinding(handedThrough, on: db)
        query.text(1, pool)
        return try query.rows { sqlite3_column_int64($0, 0) }.first ?? 0
    }

    private func state(of pool: String) -> PoolState {
        if let state = pools[pool] { return state }
        let state = PoolState()
        pools[pool] = state
        return state
    }

    /// A code `take` handed out for a send that was not recorded: the next one handed out.
    public func putBack(_ code: Code, into pool: String) {
        let state = state(of: pool)
        state.fetched.append(code)
        state.taken -= 1
    }

    /// Moves each pool's queue on to the place it was handed out through: just before the next
    /// code still in hand, else through the last code read (codes are read and handed out in
    /// queue order, so every code before either went to a send, or was expired and skipped).
    /// A pool whose place did not change (or was written already) is left alone.
    public func advanceQueues() throws {
        for (pool, state) in pools {
            guard let readThrough = state.readThrough else { continue }
            let through = state.fetched.last.map { $0.place - 1 } ?? readThrough
            guard through != state.stored else { continue }
            var binding = DirectBinding(advance, on: db)
            binding.text(1, pool)
            binding.integer(2, through)
            _ = try binding.step()
            state.stored = through
        }
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
        try coupons.advanceQueues()
        var use: [String: CouponUse] = [:]
        for pool in Set(coupons.taken.keys).union(coupons.emptied) {
            let left = try inTransaction { db in
                try Int.fetchOne(db, sql: CouponQueue.freeCountSQL, arguments: [pool, pool, now]) ?? 0
            }
            use[pool] = CouponUse(taken: coupons.taken[pool] ?? 0, left: left, ranOut: coupons.emptied.contains(pool))
        }
        return use
    }

    /// Moves the queues of the pools this tick took from; before the tick's transaction commits.
    public func finishCoupons() throws {
        try couponWriter?.advanceQueues()
    }
}
