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
    private let customers: CustomerLookup
    /// The same upsert for `batchSize` rows in file order, the customer looked up in the
    /// statement: one execution (and bind calls, no array of values) per 512 rows instead of a
    /// lookup and an upsert per row. As for purchases (`PurchaseRowWriter`), it runs `OR ROLLBACK`
    /// with foreign keys deferred, and only after `knownCustomers` has confirmed that every
    /// customer it names exists; otherwise the rows go one by one and a problem names its row.
    /// Rows of one key in a batch are upserted in order, as one by one.
    private let batchUpsert: BulkStatement
    private let knownCustomers: BulkStatement
    static let batchSize = 512

    private static let conflict = """
        ON CONFLICT(customer_id, channel, at, status) DO UPDATE SET basis = excluded.basis, source = excluded.source
        WHERE (consent.basis, consent.source) IS NOT (excluded.basis, excluded.source)
        """

    private static func batchUpsertSQL(rows: Int) -> String {
        return """
            WITH incoming(customer, channel, status, at, basis, source) AS (VALUES \(BulkStatement.numberedRows(rows, columns: 6)))
            INSERT OR ROLLBACK INTO consent(customer_id, channel, status, at, basis, source)
                SELECT (SELECT id FROM customer WHERE external_id = incoming.customer), channel, status, at, basis, source
                FROM incoming WHERE true
            \(conflict)
            """
    }

    init(db: Database, columns: [String]) throws {
        insert = try BulkStatement(db, sql: """
            INSERT INTO consent(customer_id, channel, status, at, basis, source) VALUES (?, ?, ?, ?, ?, ?)
            \(Self.conflict)
            """)
        customers = try CustomerLookup(db)
        batchUpsert = try BulkStatement(db, sql: Self.batchUpsertSQL(rows: Self.batchSize))
        knownCustomers = try BulkStatement(db, sql: CustomerLookup.countKnownSQL(rows: Self.batchSize))
    }

    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int? {
        guard rows.count == Self.batchSize else { return nil }
        guard try CustomerLookup.allExist(rows.lazy.map(\.customer), checkedBy: knownCustomers) else { return nil }
        batchUpsert.reset()
        for (offset, row) in zip(Int32(0)..., rows) {
            let first = offset * 6
            batchUpsert.bindText(first + 1, row.customer)
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
