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

    /// Per customer in range, the messages already counted: `customer_id`, `count(*)`.
    static func countsSQL(range: ClosedRange<Int64>, settings: EvaluationSettings) -> (sql: String, arguments: [SQLValue]) {
        (
            """
            SELECT customer_id, count(*) FROM send
            WHERE customer_id BETWEEN ? AND ? AND channel IN ('email', 'letter') AND purpose = 'marketing' AND status IN \(SendStatus.sqlList(SendStatus.messages))
              AND decided_at > ? AND decided_at <= ?
            GROUP BY customer_id
            """,
            [range.lowerBound, range.upperBound, settings.now - Int64(settings.contactPressureDays) * 86_400, settings.now]
                .map(\.sqlValue)
        )
    }

    /// Empty, for the customers in `range`.
    private init(range: ClosedRange<Int64>) {
        base = range.lowerBound
        if range.upperBound - range.lowerBound < 16_000_000 {
            dense = [UInt8](repeating: 0, count: Int(range.upperBound - range.lowerBound) + 1)
        }
    }

    init(settings: EvaluationSettings, customers: ClosedRange<Int64>?, in db: Database) throws {
        // max(0, …): ids written by an outside tool may all be negative.
        let range = try customers ?? 0...max(0, Int64.fetchOne(db, sql: CustomerStore.highestCustomerIDSQL) ?? 0)
        self.init(range: range)
        guard settings.capEnabled else { return }
        let (sql, arguments) = Self.countsSQL(range: range, settings: settings)
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(each: arguments))
        while let row = try rows.next() {
            add(row[0], times: row[1])
        }
    }

    /// The same, read from another store's snapshot.
    init(settings: EvaluationSettings, customers: ClosedRange<Int64>?, reading reader: some SQLRowReader) async throws {
        let highest = customers == nil ? try await reader.rows(CustomerStore.highestCustomerIDSQL, arguments: []).first?.first : nil
        let range = customers ?? 0...max(0, highest?.int64 ?? 0)
        self.init(range: range)
        guard settings.capEnabled else { return }
        let (sql, arguments) = Self.countsSQL(range: range, settings: settings)
        for row in try await reader.rows(sql, arguments: arguments) {
            guard let id = row[0].int64, let count = row[1].int else { continue }
            add(id, times: count)
        }
    }

    func count(_ customer: Int64) -> Int {
        let offset = customer - base
        if offset >= 0, offset < dense.count { return Int(dense[Int(offset)]) }
        return sparse[customer, default: 0]
    }

    /// Counts `times` messages to `customer` (at most 255 matter).
    private mutating func add(_ customer: Int64, times: Int) {
        for _ in 0..<min(times, 255) { add(customer) }
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
