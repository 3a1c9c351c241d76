import RuleLanguage

/// What an unsubscribe did.
public enum UnsubscribeResult: Sendable, Equatable {
    /// Consent on the channel was withdrawn now.
    case withdrawn(Channel)
    /// Consent on the channel was already withdrawn; nothing written.
    case alreadyWithdrawn(Channel)
    /// A genuine token for a customer no longer in the store (erased); nothing written.
    case unknownCustomer(Channel)
    /// Forged, altered, signed with another secret, or not a token at all; nothing written.
    case invalidToken

    /// `withdrawn`, `already_withdrawn`, `unknown_customer`, `invalid_token`.
    public var name: String {
        switch self {
        case .withdrawn: "withdrawn"
        case .alreadyWithdrawn: "already_withdrawn"
        case .unknownCustomer: "unknown_customer"
        case .invalidToken: "invalid_token"
        }
    }

    /// The channel a genuine token names.
    public var channel: Channel? {
        switch self {
        case .withdrawn(let channel), .alreadyWithdrawn(let channel), .unknownCustomer(let channel): channel
        case .invalidToken: nil
        }
    }
}
