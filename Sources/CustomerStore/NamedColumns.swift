/// A row whose values are read by column name: `SQLRow` (any store) and, on the SQLite side,
/// GRDB's `Row`. Records decoded column by column (`SendRecord`) are written once against it.
public protocol NamedColumns {
    /// The value of the column named `name` (the leftmost of equal names, compared ignoring
    /// case as SQLite does), nil when the row has no such column.
    func sqlValue(forColumn name: String) -> SQLValue?
}

extension NamedColumns {
    /// The column's value as `T`. Throws `DecodingError` when the row has no such column, the
    /// value is NULL or holds no `T`.
    public func value<T: SQLValueConvertible>(_ type: T.Type = T.self, forColumn name: String) throws -> T {
        guard let value = sqlValue(forColumn: name) else {
            throw DecodingError.keyNotFound(
                ColumnKey(name), .init(codingPath: [], debugDescription: "no column '\(name)' in the row"))
        }
        return try Self.convert(value, to: T.self, column: name)
    }

    /// The column's value as `T`, nil when the row has no such column or it is NULL; throws
    /// `DecodingError` when it holds no `T`.
    public func value<T: SQLValueConvertible>(_ type: T?.Type = T?.self, forColumn name: String) throws -> T? {
        guard let value = sqlValue(forColumn: name), !value.isNull else { return nil }
        return try Self.convert(value, to: T.self, column: name)
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
