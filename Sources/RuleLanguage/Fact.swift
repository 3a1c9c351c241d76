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
    /// `entered S` / `left S`: the customer's membership of segment S changed this way between the
    /// previous evaluation and this one (nil days); with days, such a change happened in the last
    /// N days (this evaluation's included). Boolean; false before the segment's first recorded
    /// evaluation.
    case transition(SegmentTransition, segment: String, inLastDays: Int?)
    /// A send of the rule (or `JOURNEY/STEP`) was delivered to the customer within the last N days. Boolean.
    case received(String, inLastDays: Int)
    /// Whole days since the last delivered send of the rule. Number; missing if never delivered.
    case daysSinceReceived(String)
    /// A purchase after the last delivered send of the rule. Boolean; false if never delivered.
    case purchaseSinceReceived(String)
}

/// Which way a customer's segment membership changed.
public enum SegmentTransition: String, CaseIterable, Hashable, Sendable {
    /// Was not in the segment, is now.
    case entered
    /// Was in the segment, is not now.
    case left
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
