/// A fact reference after name resolution.
enum ResolvedFact {
    enum FactType {
        case value(ValueType)
        /// A custom attribute: text or number, decided by what it is compared with.
        case textOrNumber

        var phrase: String {
            switch self {
            case .value(let type): type.phrase
            case .textOrNumber: "an attribute (text or number)"
            }
        }
    }

    case fact(Fact, FactType)
    case segment(String)

    var type: FactType {
        switch self {
        case .fact(_, let type): type
        case .segment: .value(.boolean)
        }
    }

    var typePhrase: String { type.phrase }

    /// The condition "this boolean fact or segment holds".
    func condition(range: Range<Int>) -> Condition {
        switch self {
        case .fact(let fact, _): Condition(.fact(fact), range: range)
        case .segment(let name): Condition(.segment(name), range: range)
        }
    }
}
