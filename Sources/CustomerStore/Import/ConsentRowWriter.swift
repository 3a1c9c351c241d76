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
        let source = try context.singleLine(record, "source") ?? "import:\(context.file.split(separator: "/").last ?? "")"
        return Row(customer: customer, channel: channel, status: status, at: at, basis: basis, source: source)
    }

    private let insert: BulkStatement
    private let customers: CustomerLookup

    init(db: Database, columns: [String]) throws {
        insert = try BulkStatement(db, sql: """
            INSERT INTO consent(customer_id, channel, status, at, basis, source) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(customer_id, channel, at, status) DO UPDATE SET basis = excluded.basis, source = excluded.source
            WHERE (consent.basis, consent.source) IS NOT (excluded.basis, excluded.source)
            """)
        customers = try CustomerLookup(db)
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
