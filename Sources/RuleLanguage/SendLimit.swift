/// How often a rule may send to the same customer.
public enum SendLimit: Hashable, Sendable {
    /// No `limit` clause: every tick may send again (the checker warns).
    case unlimited
    /// `limit once`: once ever.
    case once
    /// `limit once per N days`: at most one send of this rule per customer in any N-day window.
    case oncePer(days: Int)
}
