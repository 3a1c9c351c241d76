import Foundation
import GRDB

/// Upserts customers by external id. Only the columns present in the file are written, so a file
/// with just `id,email` updates emails and leaves everything else alone. Columns outside the
/// canonical ones become custom attributes (merged into the existing ones).
struct CustomerRowWriter: RowWriter {
    /// File column → store column, for the canonical columns present in the file.
    private let storeColumns: [(file: String, store: String)]
    private let extraColumns: [String]
    private let hasTags: Bool
    private let upsert: Statement
    private let findID: Statement
    private let deleteTags: Statement
    private let insertTag: Statement
    private var zones: [String: Bool] = [:]

    private static let storeColumnNames: [String: String] = [
        "email": "email", "name": "name", "phone": "phone", "street": "street", "postal_code": "postal_code",
        "city": "city", "country": "country", "birthday": "birthday", "joined": "joined_at",
        "time_zone": "time_zone", "locale": "locale",
    ]

    init(db: Database, columns: [String]) throws {
        storeColumns = columns.compactMap { name in Self.storeColumnNames[name].map { (name, $0) } }
        extraColumns = columns.filter { $0 != "id" && $0 != "tags" && Self.storeColumnNames[$0] == nil }
        hasTags = columns.contains("tags")
        var names = ["external_id"] + storeColumns.map(\.store)
        var updates = storeColumns.map { "\($0.store) = excluded.\($0.store)" }
        var compared = storeColumns.map(\.store)
        if !extraColumns.isEmpty {
            names.append("attributes")
            updates.append("attributes = json_patch(customer.attributes, excluded.attributes)")
            compared.append("attributes")
        }
        let changed = compared.isEmpty ? "0"
            : "(\(compared.map { "customer.\($0)" }.joined(separator: ", "))) IS NOT (\(compared.map { $0 == "attributes" ? "json_patch(customer.attributes, excluded.attributes)" : "excluded.\($0)" }.joined(separator: ", ")))"
        let conflict = updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET \(updates.joined(separator: ", ")) WHERE \(changed)"
        upsert = try db.makeStatement(sql: """
            INSERT INTO customer(\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT(external_id) \(conflict)
            """)
        findID = try db.makeStatement(sql: "SELECT id FROM customer WHERE external_id = ?")
        deleteTags = try db.makeStatement(sql: "DELETE FROM customer_tag WHERE customer_id = ? AND tag NOT IN (SELECT value FROM json_each(?))")
        insertTag = try db.makeStatement(sql: "INSERT OR IGNORE INTO customer_tag(customer_id, tag) VALUES (?, ?)")
    }

    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool {
        let externalID = try context.required(record, "id")
        if FieldParsers.hasControlCharacter(externalID) {
            throw context.problem(record, "id", "'id' contains a line break or control character")
        }
        var arguments: [DatabaseValueConvertible?] = [externalID]
        for (file, _) in storeColumns {
            arguments.append(try value(file, record, &context))
        }
        if !extraColumns.isEmpty {
            arguments.append(try attributesJSON(record, context))
        }
        var changed: Bool
        do {
            try upsert.execute(arguments: StatementArguments(arguments))
            changed = db.changesCount > 0
        } catch {
            throw context.problem(record, "id", "write customer '\(externalID)': \(error)")
        }
        if hasTags {
            let tags = (record.value("tags") ?? "").split(separator: ";")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            do {
                guard let id = try Int64.fetchOne(findID, arguments: [externalID]) else { return changed }
                let json = String(data: try JSONSerialization.data(withJSONObject: tags), encoding: .utf8)!
                try deleteTags.execute(arguments: [id, json])
                changed = changed || db.changesCount > 0
                for tag in tags {
                    try insertTag.execute(arguments: [id, tag])
                    changed = changed || db.changesCount > 0
                }
            } catch {
                throw context.problem(record, "tags", "write tags of customer '\(externalID)': \(error)")
            }
        }
        return changed
    }

    /// The validated store value of one canonical column.
    private mutating func value(_ column: String, _ record: ImportRecord, _ context: inout RowContext) throws(ImportProblem) -> DatabaseValueConvertible? {
        switch column {
        case "joined":
            return try context.timestamp(record, column, required: false)
        case "birthday":
            guard let text = try context.singleLine(record, column) else { return nil }
            guard TimestampParser.calendarDate(text.utf8) != nil else {
                throw context.problem(record, column, "invalid birthday '\(text)'; expected a date like 1984-02-29")
            }
            return text
        case "email":
            guard let text = try context.singleLine(record, column) else { return nil }
            guard FieldParsers.isEmail(text) else {
                throw context.problem(record, column, "invalid email address '\(text)'")
            }
            return text
        case "time_zone":
            guard let text = try context.singleLine(record, column) else { return nil }
            if zones[text] == nil { zones[text] = TimeZone(identifier: text) != nil }
            guard zones[text]! else {
                throw context.problem(record, column, "unknown time zone '\(text)'; expected an IANA name like Europe/Helsinki")
            }
            return text
        case "country":
            return try context.singleLine(record, column)?.uppercased()
        default:
            return try context.singleLine(record, column)
        }
    }

    private func attributesJSON(_ record: ImportRecord, _ context: RowContext) throws(ImportProblem) -> String {
        // An empty value becomes null, which json_patch reads as "remove this attribute".
        var attributes: [String: Any] = [:]
        for column in extraColumns { attributes[column] = record.value(column) ?? NSNull() }
        guard let data = try? JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys]),
              let json = String(data: data, encoding: .utf8)
        else { throw context.problem(record, "id", "cannot encode custom attributes") }
        return json
    }
}
