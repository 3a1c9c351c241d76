import Foundation

/// One value of a SQL statement's arguments or of a row, in SQLite's five storage classes: what
/// the stores hand each other and the evaluation. The PostgreSQL store gives its values as
/// SQLite would (booleans as 0 and 1, whole numbers as integers), so one reading serves both.
///
/// The typed accessors convert as SQLite's (and GRDB's) column readers do: a real is read as a
/// whole number truncated towards zero when it is in range, an integer as a real, a blob as its
/// UTF-8 text, only numbers as booleans (NULL and non-numbers give nil).
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// An integer, or a real truncated towards zero when it lies in `Int64`'s range.
    public var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .real(let value): value >= Double(Int64.min) && value < Double(Int64.max) ? Int64(value) : nil
        default: nil
        }
    }

    /// `int64` when it fits an `Int`.
    public var int: Int? { int64.flatMap { Int(exactly: $0) } }

    /// A real, or an integer as a real.
    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        default: nil
        }
    }

    /// Text, or a blob that is valid UTF-8.
    public var string: String? {
        switch self {
        case .text(let value): value
        case .blob(let value): String(data: value, encoding: .utf8)
        default: nil
        }
    }

    /// A number other than zero is true, zero false; nil for anything else.
    public var bool: Bool? {
        switch self {
        case .integer(let value): value != 0
        case .real(let value): value != 0
        default: nil
        }
    }

    /// A blob, or text's UTF-8.
    public var data: Data? {
        switch self {
        case .blob(let value): value
        case .text(let value): Data(value.utf8)
        default: nil
        }
    }
}

/// As GRDB prints a `DatabaseValue` (messages that show a row read the same from either store).
extension SQLValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): String(reflecting: value)
        case .blob(let value): "Data(\(value.description))"
        }
    }
}
