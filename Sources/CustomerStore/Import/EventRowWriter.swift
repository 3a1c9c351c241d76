import Foundation
import GRDB

/// Inserts events, unique by (customer, name, time). Columns beyond the canonical ones, or a
/// `properties` column holding a JSON object, become the event's properties.
struct EventRowWriter: RowWriter {
    struct Row: Sendable {
        var customer: String
        var name: String
        var at: Int64
        var properties: String
    }

    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row {
        let customer = try context.required(record, "customer")
        let name = try context.requiredLine(record, "name")
        let at = try context.timestamp(record, "at")
        var properties: [String: Any] = [:]
        if let text = record.value("properties") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw context.problem(record, "properties", "'properties' must be a JSON object")
            }
            properties = object
        }
        for column in record.names where !["customer", "name", "at", "properties"].contains(column) {
            properties[column] = record.value(column) ?? NSNull()
        }
        guard let data = try? JSONSerialization.data(withJSONObject: properties, options: [.sortedKeys]) else {
            throw context.problem(record, "properties", "cannot encode the event's properties")
        }
        return Row(customer: customer, name: name, at: at, properties: String(decoding: data, as: UTF8.self))
    }

    private let upsert: BulkStatement
    private let customers: CustomerIDs

    init(db: Database, columns: [String], customers: CustomerIDs) throws {
        upsert = try BulkStatement(db, sql: """
            INSERT INTO event(customer_id, name, at, properties) VALUES (?, ?, ?, ?)
            ON CONFLICT(customer_id, name, at) DO UPDATE SET properties = excluded.properties
            WHERE event.properties IS NOT excluded.properties
            """)
        self.customers = customers
    }

    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool {
        let customer = try customers.id(row.customer, record: record, file: file)
        upsert.bind([.integer(customer), .text(row.name), .integer(row.at), .text(row.properties)])
        do {
            return try upsert.execute() > 0
        } catch {
            throw ImportProblem(file, record, "name", "write event '\(row.name)': \(error)", cause: error)
        }
    }
}
