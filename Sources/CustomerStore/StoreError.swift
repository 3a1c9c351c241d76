/// Why the store could not be used.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case currencyMismatch(path: String, store: String, config: String)
    case unknownCustomer(externalID: String)
    case unknownChannel(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "open store \(path): \(reason)"
        case .currencyMismatch(let path, let store, let config):
            "store \(path) keeps amounts in \(store), but the config says currency \"\(config)\"; one store holds one currency"
        case .unknownCustomer(let externalID):
            "no customer with id \"\(externalID)\" in the store"
        case .unknownChannel(let channel):
            "unknown channel \"\(channel)\"; the store knows email, letter and webhook"
        }
    }
}
