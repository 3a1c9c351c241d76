/// One built-in fact: how it is written, what it takes, its type and its meaning.
public struct FactDefinition: Sendable {
    /// Which time window a fact takes.
    public enum WindowRule: Sendable {
        /// None allowed.
        case none
        /// `in last N days` allowed but not required.
        case optionalLast
        /// `in last N days` required.
        case requiredLast
        /// `in N days` (calendar days from today) required.
        case requiredAhead
    }

    /// The words as written, e.g. `days since last purchase`.
    public let phrase: String
    /// What the quoted argument names (`event "NAME"`), or nil if the fact takes none.
    public let argument: String?
    public let window: WindowRule
    /// The fact's type; nil for attributes, which are text or number.
    public let type: ValueType?
    public let meaning: String
    let make: @Sendable (_ argument: String, _ days: Int?) -> Fact

    /// How to write it, with placeholders: `event "NAME" in last N days`.
    public var usage: String {
        var text = phrase
        if let argument { text += " \"\(argument)\"" }
        switch window {
        case .none: break
        case .optionalLast: text += " [in last N days]"
        case .requiredLast: text += " in last N days"
        case .requiredAhead: text += " in N days"
        }
        return text
    }
}
