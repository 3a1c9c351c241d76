import Foundation
import GRDB

/// Inserts events, unique by (customer, name, time). Columns beyond the canonical ones, or a
/// `properties` column holding a JSON object, become the event's properties.
struct EventRowWriter: RowWriter {
    private let upsert: Statement
    private let extraColumns: [String]

    init(db: Database, columns: [String]) throws {
        extraColumns = columns.filter { !["customer", "name", "at", "properties"].contains($0) }
        upsert = try db.makeStatement(sql: """
            INSERT INTO event(customer_id, name, at, properties) VALUES (?, ?, ?, ?)
            ON CONFLICT(customer_id, name, at) DO UPDATE SET properties = excluded.properties
            WHERE event.properties IS NOT excluded.properties
            """)
    }

    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool {
        let customer = try context.customerID(record, db)
        guard let name = try context.singleLine(record, "name") else {
            throw context.problem(record, "name", "missing value for 'name'")
        }
        let at = try context.timestamp(record, "at")!
        var properties: [String: Any] = [:]
        if let text = record.value("properties") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw context.problem(record, "properties", "'properties' must be a JSON object")
            }
            properties = object
        }
        for column in extraColumns { properties[column] = record.value(column) ?? NSNull() }
        guard let data = try? JSONSerialization.data(withJSONObject: properties, options: [.sortedKeys]) else {
            throw context.problem(record, "properties", "cannot encode the event's properties")
        }
        do {
            try upsert.execute(arguments: [customer, name, at, String(decoding: data, as: UTF8.self)])
        } catch {
            throw context.problem(record, "name", "write event '\(name)': \(error)")
        }
        return db.changesCount > 0
    }
}
