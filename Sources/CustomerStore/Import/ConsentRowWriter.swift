import GRDB

/// Records consent grants and withdrawals; the current state per channel follows by trigger.
struct ConsentRowWriter: RowWriter {
    struct Row: Sendable {
        var customer: String
        var channel: String
        var status: String
        var at: Int64
        var basis: String?
        var source: String
    }

    static let channels: Set<String> = ["email", "letter", "webhook"]

    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row {
        let customer = try context.required(record, "customer")
        let channel = try context.required(record, "channel").lowercased()
        guard channels.contains(channel) else {
            throw context.problem(record, "channel", "unknown channel '\(channel)'; expected email, letter or webhook")
        }
        let status = try context.required(record, "status").lowercased()
        guard status == "granted" || status == "withdrawn" else {
            throw context.problem(record, "status", "consent status must be 'granted' or 'withdrawn', not '\(status)'")
        }
        let at = try context.timestamp(record, "at")
        let basis = try context.singleLine(record, "basis")
        let source = try context.singleLine(record, "source") ?? context.importSource
        return Row(customer: customer, channel: channel, status: status, at: at, basis: basis, source: source)
    }

    private let insert: BulkStatement
    private let customers: CustomerIDs
    /// The same upsert for `batchSize` rows in file order, customers' ids bound: one execution
    /// (and bind calls, no array of values) per 512 rows instead of an upsert per row. As for
    /// purchases (`PurchaseRowWriter`), it runs `OR ROLLBACK`, and only when every customer it
    /// names exists (`CustomerIDs`); otherwise the rows go one by one and a problem names its row.
    /// Rows of one key in a batch are upserted in order, as one by one.
    private let batchUpsert: BulkStatement
    /// The batch's customer ids, reused.
    private var ids: [Int64] = []
    static let batchSize = 512

    private static let conflict = """
        ON CONFLICT(customer_id, channel, at, status) DO UPDATE SET basis = excluded.basis, source = excluded.source
        WHERE (consent.basis, consent.source) IS NOT (excluded.basis, excluded.source)
        """

    init(db: Database, columns: [String], customers: CustomerIDs) throws {
        insert = try BulkStatement(db, sql: """
            INSERT INTO consent(customer_id, channel, status, at, basis, source) VALUES (?, ?, ?, ?, ?, ?)
            \(Self.conflict)
            """)
        self.customers = customers
        batchUpsert = try BulkStatement(db, sql: BulkStatement.batchInsertSQL(
            into: "consent", columns: ["customer_id", "channel", "status", "at", "basis", "source"],
            rows: Self.batchSize, conflict: Self.conflict))
    }

    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int? {
        guard rows.count == Self.batchSize, try customers.ids(rows.lazy.map(\.customer), into: &ids) else { return nil }
        batchUpsert.reset()
        for (offset, (row, id)) in zip(Int32(0)..., zip(rows, ids)) {
            let first = offset * 6
            batchUpsert.bindInteger(first + 1, id)
            batchUpsert.bindText(first + 2, row.channel)
            batchUpsert.bindText(first + 3, row.status)
            batchUpsert.bindInteger(first + 4, row.at)
            batchUpsert.bindText(first + 5, row.basis)
            batchUpsert.bindText(first + 6, row.source)
        }
        return try batchUpsert.execute()
    }

    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool {
        let customer = try customers.id(row.customer, record: record, file: file)
        insert.bind([.integer(customer), .text(row.channel), .text(row.status), .integer(row.at), StoreValue(row.basis), .text(row.source)])
        do {
            return try insert.execute() > 0
        } catch {
            throw ImportProblem(file, record, "channel", "write consent: \(error)", cause: error)
        }
    }
}
