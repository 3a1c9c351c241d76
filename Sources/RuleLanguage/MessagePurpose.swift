/// Why a message is sent, which decides the consent and cap rules it is held to (docs/rules.md).
public enum MessagePurpose: String, CaseIterable, Codable, Sendable {
    /// Needs a granted consent on its channel, counts toward the contact-pressure cap and carries
    /// `List-Unsubscribe`: the default for email and letter.
    case marketing
    /// An order update, a service notice, an alert to the shop's own systems: needs no consent
    /// record (only an explicit withdrawal blocks it), is outside the cap and has no
    /// `List-Unsubscribe`. The default for webhooks.
    case service

    /// The purpose of a rule or step that names none.
    public static func defaultPurpose(for channel: Channel) -> MessagePurpose {
        channel == .webhook ? .service : .marketing
    }
}
