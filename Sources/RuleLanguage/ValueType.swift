/// The type of a fact or a comparison.
public enum ValueType: String, Hashable, Sendable {
    /// A count or score; exact decimal.
    case number
    /// An amount in the store currency; exact decimal (a literal `2000` means 2000.00).
    case money
    /// A calendar day.
    case date
    case text
    /// A yes/no condition: a boolean fact or a segment.
    case boolean

    /// "a number", "money", "a yes/no condition", … for messages.
    var phrase: String {
        switch self {
        case .number: "a number"
        case .money: "money"
        case .date: "a date"
        case .text: "text"
        case .boolean: "a yes/no condition"
        }
    }
}
