/// A row whose values are read by column name: `SQLRow` (any store) and, on the SQLite side,
/// GRDB's `Row`. Records decoded column by column (`SendRecord`) are written once against it.
public protocol NamedColumns {
    /// The value of the column named `name` (the leftmost of equal names, compared ignoring
    /// case as SQLite does), nil when the row has no such column.
    func sqlValue(forColumn name: String) -> SQLValue?

    /// The column's value as `T`. Throws when the row has no such column, the value is NULL or
    /// holds no `T` (`DecodingError` by default).
    func value<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T

    /// The column's value as `T`, nil when the row has no such column or it is NULL; throws
    /// when it holds no `T` (`DecodingError` by default).
    func valueIfPresent<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T?
}

extension NamedColumns {
    /// `value(_:forColumn:)` of the type the context asks for.
    public func value<T: SQLValueConvertible>(forColumn name: String) throws -> T {
        try value(T.self, forColumn: name)
    }

    /// `valueIfPresent(_:forColumn:)` of the type the context asks for.
    public func valueIfPresent<T: SQLValueConvertible>(forColumn name: String) throws -> T? {
        try valueIfPresent(T.self, forColumn: name)
    }

    public func value<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T {
        try Self.converted(sqlValue(forColumn: name), to: T.self, column: name)
    }

    public func valueIfPresent<T: SQLValueConvertible>(_ type: T.Type, forColumn name: String) throws -> T? {
        guard let value = sqlValue(forColumn: name), !value.isNull else { return nil }
        return try Self.convert(value, to: T.self, column: name)
    }

    /// `value` (a column's value, nil for none) as `T`, or the `DecodingError` of its absence.
    static func converted<T: SQLValueConvertible>(_ value: SQLValue?, to type: T.Type, column name: String) throws -> T {
        guard let value else {
            throw DecodingError.keyNotFound(
                ColumnKey(name), .init(codingPath: [], debugDescription: "no column '\(name)' in the row"))
        }
        return try convert(value, to: T.self, column: name)
    }

    static func convert<T: SQLValueConvertible>(_ value: SQLValue, to type: T.Type, column name: String) throws -> T {
        if let converted = T(sqlValue: value) { return converted }
        let path = [ColumnKey(name)]
        if value.isNull {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: path, debugDescription: "column '\(name)' is NULL"))
        }
        throw DecodingError.typeMismatch(T.self, .init(codingPath: path, debugDescription: "column '\(name)' holds no \(T.self)"))
    }
}

/// A column's name as a coding key, for the `DecodingError`s of reading rows.
struct ColumnKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
