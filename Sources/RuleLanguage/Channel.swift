/// Delivery channels.
public enum Channel: String, CaseIterable, Hashable, Sendable {
    case email, letter, webhook
}
