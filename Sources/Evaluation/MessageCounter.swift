import GRDB

/// Messages per customer within the contact-pressure window: those already in the send log,
/// plus those this evaluation decides to send. A flat byte array indexed by customer id when the
/// ids are below 16 million (they are when the store was filled by `import`), else a dictionary.
struct MessageCounter {
    private var dense: [UInt8] = []
    private var sparse: [Int64: Int] = [:]
    private let useDense: Bool

    init(settings: EvaluationSettings, customer: Int64?, in db: Database) throws {
        // max(id) is one b-tree step; a byte per possible id is at most 16 MB.
        let top = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM customer") ?? 0
        useDense = customer == nil && top >= 0 && top < 16_000_000
        if useDense { dense = [UInt8](repeating: 0, count: Int(top) + 1) }
        guard settings.capEnabled else { return }
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT customer_id, count(*) FROM send
                WHERE customer_id IS NOT NULL AND channel IN ('email', 'letter') AND status IN ('queued', 'in_flight', 'sent')
                  AND decided_at > ? AND decided_at <= ?\(customer == nil ? "" : " AND customer_id = ?")
                GROUP BY customer_id
                """,
            arguments: StatementArguments(
                [settings.now - Int64(settings.contactPressureDays) * 86_400, settings.now] + (customer.map { [$0] } ?? [])))
        while let row = try rows.next() {
            let id: Int64 = row[0]
            let n: Int = row[1]
            for _ in 0..<min(n, 255) { add(id) }
        }
    }

    func count(_ customer: Int64) -> Int {
        if useDense, customer >= 0, customer < dense.count { return Int(dense[Int(customer)]) }
        return sparse[customer, default: 0]
    }

    mutating func add(_ customer: Int64) {
        if useDense, customer >= 0, customer < dense.count {
            if dense[Int(customer)] < UInt8.max { dense[Int(customer)] += 1 }
        } else {
            sparse[customer, default: 0] += 1
        }
    }
}
