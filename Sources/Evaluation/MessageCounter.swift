import CustomerStore
import GRDB

/// Marketing messages per customer within the contact-pressure window: those already in the send log,
/// plus those this evaluation decides to send. A flat byte array indexed by customer id over the
/// evaluated id range when it spans under 16 million ids (always, for stores filled by
/// `import`), else a dictionary.
struct MessageCounter {
    private var dense: [UInt8] = []
    private var sparse: [Int64: Int] = [:]
    private let base: Int64

    init(settings: EvaluationSettings, customers: ClosedRange<Int64>?, in db: Database) throws {
        // max(id) is one b-tree step.
        // max(0, …): ids written by an outside tool may all be negative.
        let range = try customers ?? 0...max(0, Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM customer") ?? 0)
        base = range.lowerBound
        if range.upperBound - range.lowerBound < 16_000_000 {
            dense = [UInt8](repeating: 0, count: Int(range.upperBound - range.lowerBound) + 1)
        }
        guard settings.capEnabled else { return }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT customer_id, count(*) FROM send
                WHERE customer_id BETWEEN ? AND ? AND channel IN ('email', 'letter') AND purpose = 'marketing' AND status IN \(SendStatus.sqlList(SendStatus.messages))
                  AND decided_at > ? AND decided_at <= ?
                GROUP BY customer_id
                """,
            arguments: [
                range.lowerBound, range.upperBound, settings.now - Int64(settings.contactPressureDays) * 86_400, settings.now,
            ])
        while let row = try rows.next() {
            let id: Int64 = row[0]
            let n: Int = row[1]
            for _ in 0..<min(n, 255) { add(id) }
        }
    }

    func count(_ customer: Int64) -> Int {
        let offset = customer - base
        if offset >= 0, offset < dense.count { return Int(dense[Int(offset)]) }
        return sparse[customer, default: 0]
    }

    mutating func add(_ customer: Int64) {
        let offset = customer - base
        if offset >= 0, offset < dense.count {
            if dense[Int(offset)] < UInt8.max { dense[Int(offset)] += 1 }
        } else {
            sparse[customer, default: 0] += 1
        }
    }
}
