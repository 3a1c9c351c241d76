import Foundation

/// A Swift type whose values are one `SQLValue`: a statement's argument (`sqlValue`) and a
/// column of a decoded record (`init?(sqlValue:)`, converting as `SQLValue`'s accessors do).
public protocol SQLValueConvertible {
    /// The value as a statement's argument.
    var sqlValue: SQLValue { get }
    /// The column's value as this type; nil when it is NULL or holds no such value.
    init?(sqlValue: SQLValue)
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.int64 else { return nil }
        self = value
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.int else { return nil }
        self = value
    }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.double else { return nil }
        self = value
    }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.string else { return nil }
        self = value
    }
}

/// Booleans are integers, 1 and 0, as in SQLite.
extension Bool: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.bool else { return nil }
        self = value
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob(self) }
    public init?(sqlValue: SQLValue) {
        guard let value = sqlValue.data else { return nil }
        self = value
    }
}

/// nil is NULL; NULL decodes as nil, any other value as `Wrapped` does.
extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public init?(sqlValue: SQLValue) {
        if sqlValue.isNull {
            self = .none
        } else if let value = Wrapped(sqlValue: sqlValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}
