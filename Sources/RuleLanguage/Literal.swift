import Foundation

/// A constant in a condition. Numbers are exact decimals (never binary floating point); whether
/// a number means money is decided by the fact it is compared with.
public enum Literal: Hashable, Sendable, CustomStringConvertible {
    case number(Decimal)
    case text(String)
    case date(CalendarDate)

    public var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let text): "\"\(text)\""
        case .date(let date): date.description
        }
    }
}
