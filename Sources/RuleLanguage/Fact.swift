/// A resolved built-in fact about one customer, as the store provides it.
///
/// Windows are whole days: `inLastDays: N` means `now - N×24h <= t <= now`; `birthday(inDays:)`
/// is a calendar day in the customer's time zone (else the business time zone). A fact whose
/// value is missing (no purchase yet, no NPS score) makes every comparison on it false.
public enum Fact: Hashable, Sendable {
    /// Purchase count: all time, or within the last N days. Number.
    case orders(inLastDays: Int?)
    /// Sum of purchase amounts: all time, or within the last N days. Money.
    case spent(inLastDays: Int?)
    /// At least one purchase within the last N days. Boolean.
    case purchase(inLastDays: Int)
    /// Whole days since the last purchase. Number; missing without purchases.
    case daysSinceLastPurchase
    /// Whole days since the first purchase. Number; missing without purchases.
    case daysSinceFirstPurchase
    /// Day of the first purchase. Date.
    case firstPurchase
    /// Day of the last purchase. Date.
    case lastPurchase
    /// The latest score of a feedback kind (NPS 0–10, CSAT, CES). Number.
    case score(FeedbackKind)
    /// Feedback (of one kind, or any kind when nil) received within the last N days. Boolean.
    case feedback(FeedbackKind?, inLastDays: Int)
    /// An event with this name within the last N days. Boolean.
    case event(String, inLastDays: Int)
    /// The customer's birthday falls N calendar days from today (0 = today). Boolean.
    case birthday(inDays: Int)
    /// Day the customer joined. Date.
    case joined
    /// Whole days since the customer joined. Number.
    case daysSinceJoined
    /// Consent for the channel is granted, not withdrawn, and the address is not suppressed. Boolean.
    case consent(Channel)
    /// The customer has this tag. Boolean.
    case tagged(String)
    /// A text field of the customer record. Text.
    case customerField(CustomerField)
    /// A custom attribute, compared as text or as a number depending on the other side.
    case attribute(String)
}

/// The kinds of feedback score the store keeps.
public enum FeedbackKind: String, CaseIterable, Hashable, Sendable {
    case nps, csat, ces
}

/// Text fields of the customer record that conditions may compare.
public enum CustomerField: String, CaseIterable, Hashable, Sendable {
    case email, name, city, country
    case postalCode = "postal_code"
    case locale
    case timeZone = "time_zone"
}
