import GRDB

/// Records consent grants and withdrawals; the current state per channel follows by trigger.
struct ConsentRowWriter: RowWriter {
    private let insert: Statement
    static let channels: Set<String> = ["email", "letter", "webhook"]

    init(db: Database, columns: [String]) throws {
        insert = try db.makeStatement(sql: """
            INSERT INTO consent(customer_id, channel, status, at, basis, source) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(customer_id, channel, at, status) DO UPDATE SET basis = excluded.basis, source = excluded.source
            WHERE (consent.basis, consent.source) IS NOT (excluded.basis, excluded.source)
            """)
    }

    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool {
        let customer = try context.customerID(record, db)
        let channel = try context.required(record, "channel").lowercased()
        guard Self.channels.contains(channel) else {
            throw context.problem(record, "channel", "unknown channel '\(channel)'; expected email, letter or webhook")
        }
        let status = try context.required(record, "status").lowercased()
        guard status == "granted" || status == "withdrawn" else {
            throw context.problem(record, "status", "consent status must be 'granted' or 'withdrawn', not '\(status)'")
        }
        let at = try context.timestamp(record, "at")!
        let basis = try context.singleLine(record, "basis")
        let source = try context.singleLine(record, "source") ?? "import:\(context.file.split(separator: "/").last ?? "")"
        do {
            try insert.execute(arguments: [customer, channel, status, at, basis, source])
        } catch {
            throw context.problem(record, "channel", "write consent: \(error)")
        }
        return db.changesCount > 0
    }
}
