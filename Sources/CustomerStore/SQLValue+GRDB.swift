import GRDB

/// The SQLite side of the store boundary: `SQLValue` is GRDB's `DatabaseValue` with another
/// name for each storage class. This conformance is the one conversion: SQLite statements take
/// `[SQLValue]` arguments as they are (`StatementArguments(each: arguments)`), and rows read as
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

/// GRDB's rows read by column name as `SQLRow`s are, without copying them (the dispatcher's
/// claim). Whole numbers and text are read with GRDB's typed reads, straight from the SQLite
/// statement with SQLite's conversions and GRDB's errors, as the SQLite store always read them:
/// by way of `SQLValue` (or a cast to GRDB's protocols) a send row's decoding took three times
/// as long (3.8 µs instead of 1.3 µs in a release build). Other types go by way of `SQLValue`.
extension Row: NamedColumns {
    public func sqlValue(forColumn name: String) -> SQLValue? {
        // A missing column decodes as nil, NULL as `.null`; neither throws.
        (try? decode(DatabaseValue?.self, forColumn: name)).map(SQLValue.init)
    }

    public func value<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T {
        // Metatype comparisons: specialised, they leave one branch.
        if T.self == Int64.self { return try decode(Int64.self, forColumn: name) as! T }
        if T.self == Int.self { return try decode(Int.self, forColumn: name) as! T }
        if T.self == String.self { return try decode(String.self, forColumn: name) as! T }
        return try Self.converted(sqlValue(forColumn: name), to: T.self, column: name)
    }

    public func valueIfPresent<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T? {
        if T.self == Int64.self { return try decode(Int64?.self, forColumn: name) as! T? }
        if T.self == Int.self { return try decode(Int?.self, forColumn: name) as! T? }
        if T.self == String.self { return try decode(String?.self, forColumn: name) as! T? }
        guard let value = sqlValue(forColumn: name), !value.isNull else { return nil }
        return try Self.convert(value, to: T.self, column: name)
    }
}

extension StatementArguments {
    /// `values` as statement arguments. GRDB's `init(_:)` for a sequence of one convertible type
    /// maps with a key path (`\.databaseValue`) that, not specialised across the module
    /// boundary, is built at run time on every call: 17 % of the dispatcher's writer thread in
    /// a profile of 20,000 emails (docs/performance.md). Use this one.
    public init(each values: some Sequence<some DatabaseValueConvertible>) {
        self.init(values.map { $0.databaseValue as (any DatabaseValueConvertible)? })
    }
}
