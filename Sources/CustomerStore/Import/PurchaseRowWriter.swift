import GRDB

/// Upserts purchases by order reference; facts follow through the store's triggers.
struct PurchaseRowWriter: RowWriter {
    private let upsert: Statement

    init(db: Database, columns: [String]) throws {
        upsert = try db.makeStatement(sql: """
            INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(order_ref) DO UPDATE SET
                customer_id = excluded.customer_id, at = excluded.at,
                amount_minor = excluded.amount_minor, currency = excluded.currency
            WHERE (purchase.customer_id, purchase.at, purchase.amount_minor, purchase.currency)
                IS NOT (excluded.customer_id, excluded.at, excluded.amount_minor, excluded.currency)
            """)
    }

    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool {
        let customer = try context.customerID(record, db)
        let order = try context.required(record, "order")
        let at = try context.timestamp(record, "at")!
        let currency = try context.singleLine(record, "currency")?.uppercased() ?? context.currency
        guard currency == context.currency else {
            throw context.problem(record, "currency", "currency \(currency) differs from the store's currency \(context.currency)")
        }
        let amount: Int64
        switch FieldParsers.minorUnits(try context.required(record, "amount"), exponent: FieldParsers.currencyExponent(currency)) {
        case .success(let value): amount = value
        case .failure(let error): throw context.problem(record, "amount", error.message)
        }
        do {
            try upsert.execute(arguments: [customer, order, at, amount, currency])
        } catch {
            throw context.problem(record, "order", "write purchase '\(order)': \(error)")
        }
        return db.changesCount > 0
    }
}
