import GRDB
import GRDBSQLite

/// Upserts customers by external id. Only the columns present in the file are written, so a file
/// with just `id,email` updates emails and leaves everything else alone. Columns outside the
/// canonical ones become custom attributes, merged into the existing ones (an empty value removes one).
struct CustomerRowWriter: RowWriter {
    struct Row: Sendable {
        var externalID: String
        /// Values of the canonical columns present, in `layout` order.
        var values: [StoreValue]
        /// The custom attributes for a new customer (empty values left out), and as a JSON merge patch.
        var attributes: (insert: String, patch: String)?
        var tags: Set<String>?
    }

    /// File column → store column, for the canonical columns.
    static let storeColumnNames: [String: String] = [
        "email": "email", "name": "name", "phone": "phone", "street": "street", "postal_code": "postal_code",
        "city": "city", "country": "country", "birthday": "birthday", "joined": "joined_at",
        "time_zone": "time_zone", "locale": "locale",
    ]

    /// The canonical columns among `columns`, in file order, and the extra (attribute) columns.
    static func layout(_ columns: [String]) -> (canonical: [String], extra: [String]) {
        (columns.filter { storeColumnNames[$0] != nil },
         columns.filter { $0 != "id" && $0 != "tags" && storeColumnNames[$0] == nil })
    }

    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row {
        let externalID = try context.requiredLine(record, "id")
        let (canonical, extra) = context.layout(of: record.names, layout)
        var values: [StoreValue] = []
        values.reserveCapacity(canonical.count)
        for column in canonical { values.append(try value(column, record, &context)) }
        var attributes: (String, String)?
        if !extra.isEmpty {
            let pairs = extra.map { ($0, record.value($0)) }
            attributes = (JSONText.object(pairs.filter { $0.1 != nil }), JSONText.object(pairs))
        }
        var tags: Set<String>?
        if record.names.contains("tags") {
            tags = Set((record.value("tags") ?? "").split(separator: ";").map { String($0).trimmingSpaces }.filter { !$0.isEmpty })
        }
        return Row(externalID: externalID, values: values, attributes: attributes, tags: tags)
    }

    /// The validated store value of one canonical column.
    private static func value(_ column: String, _ record: ImportRecord, _ context: inout PrepareContext) throws(ImportProblem) -> StoreValue {
        guard let text = try context.singleLine(record, column) else { return .null }
        switch column {
        case "joined":
            return .integer(try context.timestamp(record, column))
        case "birthday":
            guard TimestampParser.calendarDate(text.utf8) != nil else {
                throw context.problem(record, column, "invalid birthday '\(text)'; expected a date like 1984-02-29")
            }
        case "email":
            guard FieldParsers.isEmail(text) else {
                throw context.problem(record, column, "invalid email address '\(text)'")
            }
        case "time_zone":
            guard context.isTimeZone(text) else {
                throw context.problem(record, column, "unknown time zone '\(text)'; expected an IANA name like Europe/Helsinki")
            }
        case "country":
            return .text(text.uppercased())
        default:
            break
        }
        return .text(text)
    }

    private let hasAttributes: Bool
    private let upsert: BulkStatement
    private let customers: CustomerIDs
    /// Inserts `batchSize` customers that are all new, with the insert part of `upsert`'s values
    /// (for a bulk load: `writeBatch`); and the largest id before it.
    private let insertMany: BulkStatement
    private let largestID: BulkStatement
    private let findID: BulkStatement
    private let selectTags: BulkStatement
    private let deleteTag: BulkStatement
    private let insertTag: BulkStatement

    static let batchSize = 256

    init(db: Database, columns: [String], customers: CustomerIDs) throws {
        let (canonical, extra) = Self.layout(columns)
        hasAttributes = !extra.isEmpty
        // Numbered parameters: ?1 external id, ?2… the canonical columns, then the two attribute texts.
        // OR ROLLBACK: rows are validated before they get here, so no constraint should fail; if
        // one does, the importer ends the import.
        let stored = canonical.map { Self.storeColumnNames[$0]! }
        var names = ["external_id"] + stored
        var values = (1...names.count).map { "?\($0)" }
        var updates = stored.map { "\($0) = excluded.\($0)" }
        var current = stored.map { "customer.\($0)" }
        var incoming = stored.map { "excluded.\($0)" }
        if hasAttributes {
            let insert = names.count + 1, patch = names.count + 2
            names.append("attributes")
            values.append("?\(insert)")
            updates.append("attributes = json_patch(customer.attributes, ?\(patch))")
            current.append("customer.attributes")
            incoming.append("json_patch(customer.attributes, ?\(patch))")
        }
        let conflict = updates.isEmpty ? "DO NOTHING"
            : "DO UPDATE SET \(updates.joined(separator: ", ")) WHERE (\(current.joined(separator: ", "))) IS NOT (\(incoming.joined(separator: ", ")))"
        upsert = try BulkStatement(db, sql: """
            INSERT OR ROLLBACK INTO customer(\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))
            ON CONFLICT(external_id) \(conflict)
            """)
        self.customers = customers
        insertMany = try BulkStatement(db, sql: BulkStatement.batchInsertSQL(into: "customer", columns: names, rows: Self.batchSize))
        largestID = try BulkStatement(db, sql: CustomerStore.highestCustomerIDSQL)
        findID = try BulkStatement(db, sql: "SELECT id FROM customer WHERE external_id = ?")
        selectTags = try BulkStatement(db, sql: "SELECT tag FROM customer_tag WHERE customer_id = ?")
        deleteTag = try BulkStatement(db, sql: "DELETE FROM customer_tag WHERE customer_id = ? AND tag = ?")
        insertTag = try BulkStatement(db, sql: "INSERT OR IGNORE INTO customer_tag(customer_id, tag) VALUES (?, ?)")
    }

    /// In a bulk load (every customer's id in memory), `batchSize` customers none of whom exists
    /// yet, each named once, are one insert: as one by one, each gets the next id (SQLite's
    /// choice for a table whose ids stay below Int64.max) and has no tags to remove. Otherwise nil.
    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int? {
        guard rows.count == Self.batchSize, customers.isPreloaded else { return nil }
        var named = Set<String>(minimumCapacity: rows.count)
        for row in rows {
            guard !customers.knows(row.externalID), named.insert(row.externalID).inserted else { return nil }
        }
        guard let before = try largestID.firstInteger(), before <= Int64.max - Int64(rows.count) else { return nil }
        insertMany.reset()
        var index: Int32 = 1
        for row in rows {
            insertMany.bindText(index, row.externalID)
            index += 1
            for value in row.values {
                insertMany.bind(index, value)
                index += 1
            }
            if hasAttributes {
                insertMany.bindText(index, row.attributes?.insert)
                index += 1
            }
        }
        let inserted = try insertMany.execute()
        guard inserted == rows.count, insertMany.lastInsertRowID == before + Int64(rows.count) else {
            throw BulkStatementError(message: "customer batch: \(inserted) rows inserted up to id \(insertMany.lastInsertRowID), expected \(rows.count) after id \(before)",
                                     code: SQLITE_INTERNAL)
        }
        for (id, row) in zip((before + 1)..., rows) {
            customers.remember(row.externalID, id: id)
            for tag in row.tags ?? [] {
                insertTag.bind([.integer(id), .text(tag)])
                _ = try insertTag.execute()
            }
        }
        return rows.count
    }

    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool {
        var arguments = [StoreValue.text(row.externalID)] + row.values
        if hasAttributes, let attributes = row.attributes {
            arguments += [.text(attributes.insert), .text(attributes.patch)]
        }
        do {
            let lastRowID = upsert.lastInsertRowID
            upsert.bind(arguments)
            var changed = try upsert.execute() > 0
            // A new customer has no tags yet, and the insert told us its id.
            let inserted = changed && upsert.lastInsertRowID != lastRowID
            if inserted { customers.remember(row.externalID, id: upsert.lastInsertRowID) }
            if let tags = row.tags {
                let id: Int64
                let existing: Set<String>
                if inserted {
                    id = upsert.lastInsertRowID
                    existing = []
                } else {
                    findID.bind([.text(row.externalID)])
                    guard let found = try findID.firstInteger() else { return changed }
                    id = found
                    selectTags.bind([.integer(id)])
                    existing = Set(try selectTags.allText())
                }
                for tag in existing.subtracting(tags) {
                    deleteTag.bind([.integer(id), .text(tag)])
                    _ = try deleteTag.execute()
                }
                for tag in tags.subtracting(existing) {
                    insertTag.bind([.integer(id), .text(tag)])
                    _ = try insertTag.execute()
                }
                changed = changed || existing != tags
            }
            return changed
        } catch {
            throw ImportProblem(file, record, "id", "write customer '\(row.externalID)': \(error)", cause: error)
        }
    }
}
