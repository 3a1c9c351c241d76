import GRDB
import GRDBSQLite

/// SQLite copies a bound text at once (`SQLITE_TRANSIENT`).
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One execution of a cached statement with its values bound straight onto SQLite's handle,
/// without GRDB's argument array of boxed values: for the tick's per-row writes (some 400,000
/// decisions and 250,000 coupon codes at 1M customers). The first failing bind or the step's
/// error is thrown by `step`.
struct DirectBinding {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private var code = SQLITE_OK

    /// Resets `statement` (on `db`'s connection) for a new execution.
    init(_ statement: Statement, on db: Database) {
        self.statement = statement
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
    }

    mutating func text(_ index: Int32, _ text: String?) {
        guard code == SQLITE_OK else { return }
        guard var text else {
            code = sqlite3_bind_null(handle, index)
            return
        }
        code = text.withUTF8 { [handle] bytes in
            // An empty buffer may have no address, which SQLite would bind as NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, transient) }
            return sqlite3_bind_text(handle, index, base, Int32(bytes.count), transient)
        }
    }

    mutating func integer(_ index: Int32, _ value: Int64?) {
        guard code == SQLITE_OK else { return }
        code = value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index)
    }

    /// Runs the statement; returns the rows it changed, or throws the connection's error.
    mutating func step() throws -> Int32 {
        if code == SQLITE_OK { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE else { throw failure() }
        return sqlite3_changes(connection)
    }

    /// Runs a query; `read` makes a value of each row from SQLite's handle (its `sqlite3_column_…`
    /// functions, valid until the next row), or throws the connection's error.
    mutating func rows<T>(_ read: (OpaquePointer) -> T) throws -> [T] {
        var rows: [T] = []
        while code == SQLITE_OK || code == SQLITE_ROW {
            code = sqlite3_step(handle)
            if code == SQLITE_ROW { rows.append(read(handle)) }
        }
        guard code == SQLITE_DONE else { throw failure() }
        return rows
    }

    /// The connection's error for the failed bind or step; resets the statement.
    private func failure() -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(connection))
        let extended = sqlite3_extended_errcode(connection)
        sqlite3_reset(handle)
        return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
    }
}
