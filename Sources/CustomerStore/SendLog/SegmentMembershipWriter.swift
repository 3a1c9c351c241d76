import GRDB

/// Records segment membership changes on the writer connection, inside a tick's write
/// transaction (`DecisionWriter.membership`): they commit with the tick's decisions or not at all.
///
/// Only changes are written: an interval row opens when a customer enters and closes when they
/// leave (`segment_membership`, docs/store.md). A segment's first recorded evaluation is its
/// baseline: its members are recorded without counting as transitions (`segment_tracking.since`).
public final class SegmentMembershipWriter {
    private let db: Database

    init(_ db: Database) {
        self.db = db
    }

    /// What one `record` call did.
    public enum Update: Equatable, Sendable {
        /// The segment's first recorded evaluation: `members` recorded, no transitions.
        case baseline(members: Int)
        /// `entered` intervals opened and `left` closed at the instant.
        case changed(entered: Int, left: Int)
        /// Nothing written: the segment's membership was already recorded at this instant or a
        /// later one (a re-run tick, a clock stepped back).
        case stale
    }

    /// Records the membership of `segment` at `instant`: `entered` (customer ids not in it at
    /// the previous recorded evaluation, in it now) and `left` (the reverse). At a segment's
    /// first evaluation, `entered` are all its members and `left` is empty.
    @discardableResult
    public func record(segment: String, at instant: Int64, entered: [Int64], left: [Int64]) throws -> Update {
        let evaluatedAt = try Int64.fetchOne(
            db, sql: "SELECT evaluated_at FROM segment_tracking WHERE segment = ?", arguments: [segment])
        if let evaluatedAt, evaluatedAt >= instant { return .stale }
        if evaluatedAt == nil {
            try db.execute(
                sql: "INSERT INTO segment_tracking(segment, since, evaluated_at) VALUES (?, ?, ?)",
                arguments: [segment, instant, instant])
        } else {
            try db.execute(
                sql: "UPDATE segment_tracking SET evaluated_at = ? WHERE segment = ?", arguments: [instant, segment])
        }
        let open = try db.cachedStatement(
            sql: "INSERT INTO segment_membership(segment, customer_id, entered_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        for customer in entered { try open.execute(arguments: [segment, customer, instant]) }
        let close = try db.cachedStatement(
            sql: "UPDATE segment_membership SET left_at = ? WHERE segment = ? AND customer_id = ? AND left_at IS NULL")
        for customer in left { try close.execute(arguments: [instant, segment, customer]) }
        return evaluatedAt == nil ? .baseline(members: entered.count) : .changed(entered: entered.count, left: left.count)
    }

    /// Drops the tracking and history of every segment not in `segments` (no condition reads
    /// its transitions any more), so one used again later starts from a new baseline. Returns
    /// the names dropped.
    @discardableResult
    public func stopTracking(allBut segments: Set<String>) throws -> [String] {
        let tracked = try String.fetchAll(db, sql: "SELECT segment FROM segment_tracking ORDER BY segment")
        let dropped = tracked.filter { !segments.contains($0) }
        for name in dropped {
            try db.execute(sql: "DELETE FROM segment_membership WHERE segment = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM segment_tracking WHERE segment = ?", arguments: [name])
        }
        return dropped
    }
}
