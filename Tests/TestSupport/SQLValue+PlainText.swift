import CustomerStore
import Foundation
import GRDB

extension SQLValue {
    /// The value as psql prints it unaligned: empty for NULL, numbers and text as they are.
    public var plainText: String {
        switch self {
        case .null: ""
        case .integer(let number): "\(number)"
        case .real(let number): "\(number)"
        case .text(let text): text
        case .blob(let data): "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}

extension DatabaseValue {
    /// `SQLValue.plainText` of an SQLite value.
    public var plainText: String { SQLValue(self).plainText }
}
