import Foundation
import GRDB

extension DatabaseValue {
    /// The value as psql prints it unaligned: empty for NULL, numbers and text as they are.
    public var plainText: String {
        switch storage {
        case .null: ""
        case .int64(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): text
        case .blob(let data): "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
