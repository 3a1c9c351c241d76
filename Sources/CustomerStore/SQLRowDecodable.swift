/// A `Decodable` record read from a `SQLRow`, its coding keys the row's column names: the same
/// `Decodable` conformance GRDB's `FetchableRecord` decodes from the SQLite store's rows, so each
/// record has one decoding for both stores. Columns convert as `SQLValueConvertible` does
/// (`Bool` from a number, …); `RawRepresentable` enums from their raw value; a missing column
/// or NULL is nil for an optional property.
public protocol SQLRowDecodable: Decodable {}

extension SQLRowDecodable {
    public init(row: SQLRow) throws {
        try self.init(from: SQLRowDecoder(row: row))
    }
}

/// Decodes a record from a row: a keyed container over its columns.
struct SQLRowDecoder: Decoder {
    let row: SQLRow
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Column.notOneValue("row") }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Column.notOneValue("row") }

    /// The row's columns by coding key.
    struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: SQLRow
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { row.columns.compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { row[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { row[key.stringValue]?.isNull ?? true }

        func column(_ key: Key) throws -> Column {
            guard let value = row[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no column '\(key.stringValue)' in the row"))
            }
            return Column(value: value, name: key.stringValue)
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try column(key).decode(T.self) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try column(key).decode(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try column(key).decode(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try column(key).decode(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try column(key).decode(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try column(key).decode(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try column(key).decode(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try column(key).decode(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try column(key).decode(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try column(key).decode(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try column(key).decode(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try column(key).decode(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try column(key).decode(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try column(key).decode(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try column(key).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw Column.notOneValue(key.stringValue)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw Column.notOneValue(key.stringValue) }
        func superDecoder() throws -> any Decoder { throw Column.notOneValue("super") }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Column.notOneValue(key.stringValue) }
    }

    /// One column's value as a property: `SQLValueConvertible` types convert directly, other
    /// whole numbers from `Int64` when they fit, `Float` from `Double`, other `Decodable` types
    /// through this single value container (a `RawRepresentable` enum reads its raw value).
    struct Column: Decoder, SingleValueDecodingContainer {
        let value: SQLValue
        let name: String
        var codingPath: [any CodingKey] { [ColumnKey(name)] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let convertible = T.self as? any SQLValueConvertible.Type {
                func open<C: SQLValueConvertible>(_: C.Type) throws -> C { try SQLRow.convert(value, to: C.self, column: name) }
                return try open(convertible) as! T
            }
            return try T(from: self)
        }

        func whole<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            guard let number = T(exactly: try decode(Int64.self)) else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath, debugDescription: "column '\(name)' holds no \(T.self)"))
            }
            return number
        }

        func decodeNil() -> Bool { value.isNull }
        func decode(_ type: Bool.Type) throws -> Bool { try SQLRow.convert(value, to: type, column: name) }
        func decode(_ type: String.Type) throws -> String { try SQLRow.convert(value, to: type, column: name) }
        func decode(_ type: Double.Type) throws -> Double { try SQLRow.convert(value, to: type, column: name) }
        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
        func decode(_ type: Int.Type) throws -> Int { try SQLRow.convert(value, to: type, column: name) }
        func decode(_ type: Int8.Type) throws -> Int8 { try whole(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try whole(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try whole(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try SQLRow.convert(value, to: type, column: name) }
        func decode(_ type: UInt.Type) throws -> UInt { try whole(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try whole(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try whole(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try whole(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try whole(type) }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw Self.notOneValue(name) }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Self.notOneValue(name) }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        static func notOneValue(_ name: String) -> DecodingError {
            .typeMismatch(
                SQLValue.self, .init(codingPath: [ColumnKey(name)], debugDescription: "'\(name)' is read as one column's value, not a structure"))
        }
    }
}
