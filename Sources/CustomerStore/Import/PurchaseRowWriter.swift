import GRDB

/// Upserts purchases by order reference; facts follow through the store's triggers.
struct PurchaseRowWriter: RowWriter {
    struct Row: Sendable {
        var customer: String
        var order: String
        var at: Int64
        var amountMinor: Int64
        var currency: String
        /// The coupon code the order used, if any: it marks the code redeemed (a store trigger).
        var coupon: String?
    }

    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row {
        let customer = try context.required(record, "customer")
        let order = try context.requiredLine(record, "order")
        let at = try context.timestamp(record, "at")
        let currency = try context.singleLine(record, "currency")?.uppercased() ?? context.currency
        guard currency == context.currency else {
            throw context.problem(record, "currency", "currency \(currency) differs from the store's currency \(context.currency)")
        }
        switch FieldParsers.minorUnits(try context.required(record, "amount"), exponent: FieldParsers.currencyExponent(currency)) {
        case .success(let amount):
            let coupon = try context.singleLine(record, "coupon").flatMap { $0.isEmpty ? nil : $0 }
            return Row(customer: customer, order: order, at: at, amountMinor: amount, currency: currency, coupon: coupon)
        case .failure(let error): throw context.problem(record, "amount", error.message)
        }
    }

    /// Inserts with the customer looked up in the same statement; a row that changes nothing
    /// (re-import) or names an unknown customer writes nothing, and the lookup tells which.
    private let upsert: BulkStatement
    private let customers: CustomerIDs
    /// The same upsert for `batchSize` rows at once, customers' ids bound: SQLite sets up a
    /// statement (and the facts trigger's program) once per execution, which costs as much as
    /// the insert itself.
    ///
    /// It runs `OR ROLLBACK`. SQLite still keeps a statement journal for it (the `typeof()`
    /// CHECKs make a multi-row write one that may abort), in memory during an import
    /// (`Importer`). A failure would roll back the whole import, so a batch runs only when every
    /// customer it names exists (`CustomerIDs`); otherwise its rows are written one by one.
    private let batchUpsert: BulkStatement
    /// The batch's customer ids, reused.
    private var ids: [Int64] = []
    static let batchSize = 512

    /// What an upsert of an order changes, and only when it changes something.
    private static let conflict = """
        ON CONFLICT(order_ref) DO UPDATE SET
            customer_id = excluded.customer_id, at = excluded.at,
            amount_minor = excluded.amount_minor, currency = excluded.currency,
            coupon = coalesce(excluded.coupon, purchase.coupon)
        WHERE (purchase.customer_id, purchase.at, purchase.amount_minor, purchase.currency, purchase.coupon)
            IS NOT (excluded.customer_id, excluded.at, excluded.amount_minor, excluded.currency,
                    coalesce(excluded.coupon, purchase.coupon))
        """

    init(db: Database, columns: [String], customers: CustomerIDs) throws {
        upsert = try BulkStatement(db, sql: """
            INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency, coupon)
                SELECT id, ?2, ?3, ?4, ?5, ?6 FROM customer WHERE external_id = ?1
            \(Self.conflict)
            """)
        self.customers = customers
        batchUpsert = try BulkStatement(db, sql: BulkStatement.batchInsertSQL(
            into: "purchase", columns: ["customer_id", "order_ref", "at", "amount_minor", "currency", "coupon"],
            rows: Self.batchSize, conflict: Self.conflict))
    }

    static func ordering(_ row: Row) -> (group: String, key: String)? { (row.customer, row.order) }

    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int? {
        guard rows.count == Self.batchSize, try customers.ids(rows.lazy.map(\.customer), into: &ids) else { return nil }
        // Bound value by value: an array of values per row cost more than the binding itself.
        batchUpsert.reset()
        for (offset, (row, id)) in zip(Int32(0)..., zip(rows, ids)) {
            let first = offset * 6
            batchUpsert.bindInteger(first + 1, id)
            batchUpsert.bindText(first + 2, row.order)
            batchUpsert.bindInteger(first + 3, row.at)
            batchUpsert.bindInteger(first + 4, row.amountMinor)
            batchUpsert.bindText(first + 5, row.currency)
            batchUpsert.bindText(first + 6, row.coupon)
        }
        return try batchUpsert.execute()
    }

    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool {
        upsert.bind([
            .text(row.customer), .text(row.order), .integer(row.at), .integer(row.amountMinor), .text(row.currency),
            StoreValue(row.coupon),
        ])
        let changes: Int
        do {
            changes = try upsert.execute()
        } catch {
            throw ImportProblem(file, record, "order", "write purchase '\(row.order)': \(error)", cause: error)
        }
        if changes == 0 { _ = try customers.id(row.customer, record: record, file: file) }
        return changes > 0
    }
}
