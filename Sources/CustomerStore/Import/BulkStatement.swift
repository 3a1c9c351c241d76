import GRDB
import GRDBSQLite

/// A prepared statement bound and stepped through the SQLite C API directly: the import's hot
/// loop runs millions of times, and GRDB's argument arrays and cursors cost more than SQLite itself.
final class BulkStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
    }

    /// Binds values to parameters 1, 2, … in order.
    func bind(_ values: [StoreValue]) {
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() { bind(Int32(offset + 1), value) }
    }

    /// Resets the statement before binding values one at a time (`bindText`, `bindInteger`).
    func reset() { sqlite3_reset(handle) }

    /// The rows of a multi-row `VALUES` with numbered parameters, `rows` of `columns` each:
    /// `(?1, ?2), (?3, ?4)` for 2 × 2, bound in that order.
    static func numberedRows(_ rows: Int, columns: Int) -> String {
        (0..<rows).map { row in "(" + (1...columns).map { "?\(row * columns + $0)" }.joined(separator: ", ") + ")" }
            .joined(separator: ", ")
    }

    /// `INSERT OR ROLLBACK` of `rows` rows into `table`'s `columns`, parameters numbered row by
    /// row (`numberedRows`), followed by `conflict` (an upsert clause, or nothing).
    static func batchInsertSQL(into table: String, columns: [String], rows: Int, conflict: String = "") -> String {
        """
        INSERT OR ROLLBACK INTO \(table)(\(columns.joined(separator: ", ")))
            VALUES \(numberedRows(rows, columns: columns.count))
        \(conflict)
        """
    }

    /// Binds `text` (NULL when nil) to parameter `index`, without building a value array.
    func bindText(_ index: Int32, _ text: String?) {
        guard var text else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    /// Binds `value` to parameter `index`.
    func bind(_ index: Int32, _ value: StoreValue) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .integer(let number): sqlite3_bind_int64(handle, index, number)
        case .text(let text): bindText(index, text)
        }
    }

    /// Binds `number` to parameter `index`.
    func bindInteger(_ index: Int32, _ number: Int64) { sqlite3_bind_int64(handle, index, number) }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    func execute() throws -> Int {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw BulkStatementError(message: errorMessage(code), code: code) }
        return Int(sqlite3_changes(sqlite3_db_handle(handle)))
    }

    /// The rowid of the most recent successful INSERT on this connection (not counting triggers).
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(sqlite3_db_handle(handle)) }

    /// Runs a query and returns the first column of its first row as an integer, if any.
    func firstInteger() throws -> Int64? {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return sqlite3_column_int64(handle, 0)
        case SQLITE_DONE: return nil
        default: throw BulkStatementError(message: errorMessage(code), code: code)
        }
    }

    /// Runs a query and returns the first column of every row as text.
    func allText() throws -> [String] {
        defer { sqlite3_reset(handle) }
        var result: [String] = []
        while true {
            let code = sqlite3_step(handle)
            guard code == SQLITE_ROW else {
                if code == SQLITE_DONE { return result }
                throw BulkStatementError(message: errorMessage(code), code: code)
            }
            result.append(String(cString: sqlite3_column_text(handle, 0)))
        }
    }

    private func errorMessage(_ code: Int32) -> String {
        String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
    }
}

struct BulkStatementError: Error, CustomStringConvertible {
    var message: String
    /// SQLite's result code (possibly extended).
    var code: Int32
    var description: String { message }
}

/// A value to bind to a statement parameter.
enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)

    init(_ text: String?) { self = text.map { .text($0) } ?? .null }
    init(_ number: Int64?) { self = number.map { .integer($0) } ?? .null }
}
