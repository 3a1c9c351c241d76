import CustomerStore
import Dispatch
import Foundation
import Synchronization

/// The PostgreSQL tick's transaction as the journey pass's writer (`JourneyTickWriter`): the
/// same statements as the SQLite store's (`EnrolmentWriter`, `DecisionWriter`), on the tick's
/// connection, in its transaction.
///
/// A step's decision (without a coupon pool) and an enrolment moving on to its next step return
/// nothing the pass reads, so they are held and written together, in order, before the next
/// statement that reads (or the end of the pass): the decisions with the rules' `COPY` path, the
/// moves with one `UPDATE`. Their outcome is what one statement each would have had.
///
/// The pass is synchronous (the SQLite writer is), so it runs on a thread of its own
/// (`PostgresTickTransaction.withJourneyWriter`), which waits for each statement while the
/// connection's work runs on the cooperative pool: never a pool thread blocked.
public final class PostgresJourneyWriter: JourneyTickWriter, Sendable {
    let transaction: PostgresTickTransaction
    private let use = Mutex<[String: CouponUse]>([:])
    private let held = Mutex<Held>(Held())

    /// Writes held until the next statement that reads.
    private struct Held {
        var decisions: [SendDecision] = []
        var moves: [Move] = []
    }

    /// An enrolment moving on to its next step (`EnrolmentWriter.advanceSQL`'s arguments).
    private struct Move {
        let id: Int64
        let step: String
        let since: Int64
        let waitEndsAt: Int64
        let journeyHash: String
    }

    /// An enrolment's entry: which rows of a batch `enrol` inserted.
    private struct EntryKey: Hashable {
        let journey: String?
        let customerID: Int64?
        let enteredAt: Int64?

        init(_ entrant: NewEnrolment) {
            (journey, customerID, enteredAt) = (entrant.journey, entrant.customerID, entrant.enteredAt)
        }

        /// A row `RETURNING journey, customer_id, entered_at`.
        init(returned row: [SQLValue]) {
            (journey, customerID, enteredAt) = (row[0].string, row[1].int64, row[2].int64)
        }
    }

    init(transaction: PostgresTickTransaction) {
        self.transaction = transaction
    }

    /// Per pool the steps took codes from (or found empty): codes taken, and codes left after.
    public var coupons: [String: CouponUse] { use.withLock { $0 } }

    public func journeyRows(_ sql: String, arguments: [SQLValue]) throws -> [[SQLValue]] {
        try flush()
        let connection = transaction.connection
        return try wait { try await connection.rows(sql, arguments) }
    }

    /// One statement for all: the entrants in order (so their ids are too), with
    /// `EnrolmentWriter.enrolSQL`'s conflict rule.
    public func enrol(_ entrants: [NewEnrolment]) throws -> [Bool] {
        guard !entrants.isEmpty else { return [] }
        let rows: [[String: Any]] = entrants.enumerated().map { index, entrant in
            ["i": index, "journey": entrant.journey, "customer_id": entrant.customerID, "entered_at": entrant.enteredAt,
             "journey_hash": entrant.journeyHash, "holdout": entrant.holdout ? 1 : 0, "step": entrant.step,
             "wait_ends_at": entrant.waitEndsAt]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        let inserted = try journeyRows(
            """
            INSERT INTO enrolment(journey, customer_id, entered_at, journey_hash, holdout, step, step_since, wait_ends_at)
            SELECT journey, customer_id, entered_at, journey_hash, holdout, step, entered_at, wait_ends_at
            FROM json_to_recordset(?::json) AS n(i bigint, journey text, customer_id bigint, entered_at bigint, journey_hash text,
                                                 holdout bigint, step text, wait_ends_at bigint)
            ORDER BY i
            ON CONFLICT DO NOTHING
            RETURNING journey, customer_id, entered_at
            """, arguments: [json.sqlValue])
        // Rows come back in no promised order: an entrant was enrolled when its entry was
        // inserted and no earlier entrant of the batch is the same entry.
        var enrolled = Set(inserted.map { EntryKey(returned: $0) })
        return entrants.map { enrolled.remove(EntryKey($0)) != nil }
    }

    public func advanceEnrolment(_ id: Int64, to step: String, since: Int64, waitEndsAt: Int64, journeyHash: String) throws {
        held.withLock { $0.moves.append(Move(id: id, step: step, since: since, waitEndsAt: waitEndsAt, journeyHash: journeyHash)) }
    }

    public func endEnrolment(_ id: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64, journeyHash: String?) throws
        -> Bool
    {
        let arguments = [end.rawValue.sqlValue, detail.sqlValue, instant.sqlValue, journeyHash.sqlValue, id.sqlValue]
        return !(try journeyRows(EnrolmentWriter.endSQL + " RETURNING id", arguments: arguments)).isEmpty
    }

    public func recordStep(_ decision: SendDecision, couponPool: String?) throws -> SendStatus {
        let transaction = self.transaction
        guard let pool = couponPool, decision.status == .queued else {
            held.withLock { $0.decisions.append(decision) }
            return decision.status
        }
        try flush()
        // A queued step on a pool takes its code as a rule's send does (or is skipped `no_coupon`).
        let recorded = try wait { try await transaction.record([decision], couponPools: [decision.rule: pool], now: decision.decidedAt) }
        use.withLock { CouponUse.merging(recorded.coupons, into: &$0) }
        return recorded.decisions[0].status
    }

    public func displaceRuleSend(customerID: Int64, decidedAt: Int64, rules: [String]) throws -> (rule: String, held: Bool)? {
        for rule in rules {
            guard
                let row = try journeyRows(
                    DecisionWriter.displaceableSendSQL,
                    arguments: [rule.sqlValue, customerID.sqlValue, decidedAt.sqlValue]).first
            else { continue }
            _ = try journeyRows(DecisionWriter.displaceSQL, arguments: [row[0]])
            return (rule, (row[1].int64 ?? 0) != 0)
        }
        return nil
    }

    public func recordEntryScan(_ scan: JourneyEntryScan) throws {
        _ = try journeyRows(EnrolmentWriter.recordEntryScanSQL, arguments: EnrolmentWriter.arguments(of: scan))
    }

    /// Writes the held decisions and moves.
    func flush() throws {
        let (decisions, moves) = held.withLock { held -> ([SendDecision], [Move]) in
            defer { held = Held() }
            return (held.decisions, held.moves)
        }
        let transaction = self.transaction
        if !decisions.isEmpty { _ = try wait { try await transaction.record(decisions) } }
        guard !moves.isEmpty else { return }
        let rows: [[String: Any]] = moves.map { move in
            ["id": move.id, "step": move.step, "since": move.since, "wait_ends_at": move.waitEndsAt, "hash": move.journeyHash]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        let connection = transaction.connection
        try wait {
            try await connection.execute(
                """
                UPDATE enrolment SET step = m.step, step_since = m.since, wait_ends_at = m.wait_ends_at, journey_hash = m.hash
                FROM json_to_recordset(?::json) AS m(id bigint, step text, since bigint, wait_ends_at bigint, hash text)
                WHERE enrolment.id = m.id AND enrolment.ended IS NULL
                """, [json.sqlValue])
        }
    }

    /// The result of `body`, run on the cooperative pool while this (non-pool) thread waits.
    private func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

extension PostgresTickTransaction {
    /// Runs `body` (the journey pass) on a thread of its own with this transaction as its writer;
    /// its result, and the coupon pools its steps took codes from.
    public func withJourneyWriter<T: Sendable>(_ body: @escaping @Sendable (PostgresJourneyWriter) throws -> T) async throws
        -> (result: T, coupons: [String: CouponUse])
    {
        let writer = PostgresJourneyWriter(transaction: self)
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let result = try body(writer)
                    try writer.flush()
                    return (result, writer.coupons)
                })
            }.start()
        }
    }
}
