import CustomerStore
import Dispatch
import Foundation
import GRDB
import Synchronization

/// The PostgreSQL tick's transaction as the journey pass's writer (`JourneyTickWriter`): the
/// same statements as the SQLite store's (`EnrolmentWriter`, `DecisionWriter`), each a round trip
/// on the tick's connection, in its transaction.
///
/// The pass is synchronous (the SQLite writer is), so it runs on a thread of its own
/// (`PostgresTickTransaction.withJourneyWriter`), which waits for each statement while the
/// connection's work runs on the cooperative pool: never a pool thread blocked.
public final class PostgresJourneyWriter: JourneyTickWriter, Sendable {
    let transaction: PostgresTickTransaction
    private let use = Mutex<[String: CouponUse]>([:])

    init(transaction: PostgresTickTransaction) {
        self.transaction = transaction
    }

    /// Per pool the steps took codes from (or found empty): codes taken, and codes left after.
    public var coupons: [String: CouponUse] { use.withLock { $0 } }

    public func journeyRows(_ sql: String, arguments: [DatabaseValue]) throws -> [[DatabaseValue]] {
        let connection = transaction.connection
        return try wait { try await connection.rows(sql, arguments) }
    }

    public func enrol(
        journey: String, journeyHash: String, customerID: Int64, enteredAt: Int64, holdout: Bool, step: String, waitEndsAt: Int64
    ) throws -> Int64? {
        let arguments: [DatabaseValue] = [
            journey.databaseValue, customerID.databaseValue, enteredAt.databaseValue, journeyHash.databaseValue,
            holdout.databaseValue, step.databaseValue, enteredAt.databaseValue, waitEndsAt.databaseValue,
        ]
        return try journeyRows(EnrolmentWriter.enrolSQL + " RETURNING id", arguments: arguments).first
            .flatMap { Int64.fromDatabaseValue($0[0]) }
    }

    public func advanceEnrolment(_ id: Int64, to step: String, since: Int64, waitEndsAt: Int64, journeyHash: String) throws {
        _ = try journeyRows(
            EnrolmentWriter.advanceSQL,
            arguments: [step.databaseValue, since.databaseValue, waitEndsAt.databaseValue, journeyHash.databaseValue, id.databaseValue])
    }

    public func endEnrolment(_ id: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64, journeyHash: String?) throws
        -> Bool
    {
        let arguments = [end.rawValue.databaseValue, detail.databaseValue, instant.databaseValue, journeyHash.databaseValue, id.databaseValue]
        return !(try journeyRows(EnrolmentWriter.endSQL + " RETURNING id", arguments: arguments)).isEmpty
    }

    public func recordStep(_ decision: SendDecision, couponPool: String?) throws -> SendStatus {
        let transaction = self.transaction
        guard let pool = couponPool, decision.status == .queued else {
            _ = try wait { try await transaction.recordDecision(decision) }
            return decision.status
        }
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
                    arguments: [rule.databaseValue, customerID.databaseValue, decidedAt.databaseValue]).first
            else { continue }
            _ = try journeyRows(DecisionWriter.displaceSQL, arguments: [row[0]])
            return (rule, (Int64.fromDatabaseValue(row[1]) ?? 0) != 0)
        }
        return nil
    }

    public func recordEntryScan(_ scan: JourneyEntryScan) throws {
        _ = try journeyRows(EnrolmentWriter.recordEntryScanSQL, arguments: EnrolmentWriter.arguments(of: scan))
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
                continuation.resume(with: Result { (try body(writer), writer.coupons) })
            }.start()
        }
    }

    /// Records one decision (a journey step's) with the send log's conflict rule
    /// (`DecisionWriter.onConflict`); whether a row was written.
    @discardableResult
    public func recordDecision(_ decision: SendDecision) async throws -> Bool {
        let columns = DecisionWriter.insertColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let placeholders = columns.map { $0 == "evidence" ? "CAST(? AS json)" : "?" }.joined(separator: ", ")
        let rows = try await connection.rows(
            """
            INSERT INTO send(\(DecisionWriter.insertColumns)) VALUES (\(placeholders))
            \(DecisionWriter.onConflict)
            RETURNING send_id
            """, DecisionWriter.values(of: decision))
        return !rows.isEmpty
    }
}
