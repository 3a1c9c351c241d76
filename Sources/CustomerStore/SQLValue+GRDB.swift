import GRDB

/// The SQLite side of the store boundary: `SQLValue` is GRDB's `DatabaseValue` with another
/// name for each storage class. This conformance is the one conversion: SQLite statements take
/// `[SQLValue]` arguments as they are (`StatementArguments(arguments)`), and rows read as
/// `SQLValue`s (`row[0] as SQLValue`).
extension SQLValue: DatabaseValueConvertible {
    public init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .double(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .blob(let bytes): self = .blob(bytes)
        }
    }

    public var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): bytes.databaseValue
        }
    }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SQLValue? {
        SQLValue(dbValue)
    }
}

extension SQLRow {
    /// A GRDB row's columns and values (an SQLite read handed to code shared with the other stores).
    public init(_ row: Row) {
        self.init(columns: Array(row.columnNames), values: row.sqlValues)
    }
}

extension Row {
    /// The row's values, left to right, as a `SQLRowReader` gives them.
    public var sqlValues: [SQLValue] { databaseValues.map(SQLValue.init) }
}

/// GRDB's rows read by column name as `SQLRow`s are, without copying them (the dispatcher's claim).
extension Row: NamedColumns {
    public func sqlValue(forColumn name: String) -> SQLValue? {
        // A missing column decodes as nil, NULL as `.null`; neither throws.
        (try? decode(DatabaseValue?.self, forColumn: name)).map(SQLValue.init)
    }
}
