import Foundation
import GRDB

/// What every row writer needs: the file name for problems, time parsing, and customer lookup.
struct RowContext {
    let file: String
    let currency: String
    var timestamps: TimestampParser
    private let customerLookup: Statement

    init(db: Database, file: String, currency: String, timeZone: TimeZone) throws {
        self.file = file
        self.currency = currency
        timestamps = TimestampParser(timeZone: timeZone)
        customerLookup = try db.makeStatement(sql: "SELECT id FROM customer WHERE external_id = ?")
    }

    func problem(_ record: ImportRecord, _ column: String, _ message: String) -> ImportProblem {
        ImportProblem(file: file, line: record.line, column: record.column(column), message: message)
    }

    /// A required value, or a problem naming the column.
    func required(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> String {
        guard let value = record.value(column)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw problem(record, column, "missing value for '\(column)'")
        }
        return value
    }

    /// An optional single-line value, trimmed; nil when empty.
    func singleLine(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> String? {
        guard let value = record.value(column)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if FieldParsers.hasControlCharacter(value) {
            throw problem(record, column, "'\(column)' contains a line break or control character")
        }
        return value
    }

    /// Unix seconds of an ISO 8601 value.
    mutating func timestamp(_ record: ImportRecord, _ column: String, required: Bool = true) throws(ImportProblem) -> Int64? {
        guard let text = required ? try self.required(record, column) : record.value(column) else { return nil }
        guard let seconds = timestamps.seconds(text.trimmingCharacters(in: .whitespaces)) else {
            throw problem(record, column, "invalid date '\(text)' in '\(column)'; expected ISO 8601 like 2025-06-30 or 2025-06-30T14:05:00+03:00")
        }
        return seconds
    }

    /// The store id of the customer named in `column`, which must already exist.
    func customerID(_ record: ImportRecord, _ db: Database, column: String = "customer") throws(ImportProblem) -> Int64 {
        let externalID = try required(record, column)
        do {
            if let id = try Int64.fetchOne(customerLookup, arguments: [externalID]) { return id }
        } catch {
            throw problem(record, column, "look up customer '\(externalID)': \(error)")
        }
        throw problem(record, column, "unknown customer '\(externalID)'; import customers first")
    }
}

/// Writes one kind of row into the store.
protocol RowWriter {
    /// Prepares statements for a file with the given columns.
    init(db: Database, columns: [String]) throws
    /// Validates `record` and upserts it; returns whether the store changed.
    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool
}
