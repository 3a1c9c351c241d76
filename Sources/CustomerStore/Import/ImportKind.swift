/// What an import file holds, with its canonical columns.
public enum ImportKind: String, CaseIterable, Sendable {
    case customers, purchases, events, feedback, consents

    /// Columns every row must have.
    var requiredColumns: [String] {
        switch self {
        case .customers: ["id"]
        case .purchases: ["customer", "order", "at", "amount"]
        case .events: ["customer", "name", "at"]
        case .feedback: ["customer", "kind", "score", "at"]
        case .consents: ["customer", "channel", "status", "at"]
        }
    }

    /// Columns a row may have besides the required ones.
    var optionalColumns: [String] {
        switch self {
        case .customers: CustomerColumns.optional
        case .purchases: ["currency", "coupon"]
        case .events: ["properties"]
        case .feedback: ["comment"]
        case .consents: ["basis", "source"]
        }
    }

    /// Whether columns outside the canonical ones are kept (as custom attributes or event properties)
    /// rather than rejected as unknown.
    var keepsExtraColumns: Bool { self == .customers || self == .events }
}

/// The customer columns a file may carry, and the store column each one fills.
enum CustomerColumns {
    static let optional = ["email", "name", "phone", "street", "postal_code", "city", "country",
                           "birthday", "joined", "time_zone", "locale", "tags"]
}
