/// What an evaluation decided for one customer matched by one rule.
public enum Verdict: Sendable, Equatable {
    /// Send now.
    case send
    /// Send, but not before `until` (Unix seconds): the customer's quiet hours.
    case hold(until: Int64)
    /// In the rule's stable control group: recorded, never sent.
    case holdout
    /// Not sent, for this reason.
    case skip(SkipReason)

    /// The reason `plan` counts it under, or nil for a send now.
    public var planReason: SkipReason? {
        switch self {
        case .send: nil
        case .hold: .quietHours
        case .holdout: .holdout
        case .skip(let reason): reason
        }
    }
}

/// Why a matched customer is not sent a rule's message now. Raw values are the stable names
/// used in `plan --json`, the send log and docs/cli.md.
public enum SkipReason: String, CaseIterable, Codable, Sendable {
    /// The rule's `limit` was reached (a send within its window, or ever for `limit once`).
    case limit
    /// The global contact-pressure cap was reached (higher-priority rules go first).
    case capped
    /// In the rule's holdout (control) group.
    case holdout
    /// No granted consent for the channel, or it was withdrawn.
    case noConsent = "no_consent"
    /// The address is on the suppression list.
    case suppressed
    /// Held until the customer's quiet hours end (sent then, not skipped for good).
    case quietHours = "quiet_hours"
    /// No email address, or an incomplete postal address for a letter.
    case missingAddress = "missing_address"
    /// A service message (`purpose service`): the customer withdrew consent on the channel.
    case consentWithdrawn = "consent_withdrawn"
    /// The rule's coupon pool had no free, unexpired code (recorded by the tick, never sent).
    case noCoupon = "no_coupon"

    /// Position in `allCases`, for counting in arrays.
    var index: Int {
        switch self {
        case .limit: 0
        case .capped: 1
        case .holdout: 2
        case .noConsent: 3
        case .suppressed: 4
        case .quietHours: 5
        case .missingAddress: 6
        case .consentWithdrawn: 7
        case .noCoupon: 8
        }
    }

    /// Words for people: "no consent", "quiet hours", …
    public var phrase: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// One customer's verdict for one rule.
public struct Decision: Sendable, Equatable {
    public let customerID: Int64
    public let externalID: String
    public let verdict: Verdict
    /// The values behind the condition, as a JSON object (`{"orders": 26, …}`), when the
    /// evaluation was asked for them (`EvaluationSettings.includeEvidence`).
    public let evidence: String?
    /// The variant (template or endpoint) a send or hold goes to, for a rule with variants.
    public let variant: String?

    public init(customerID: Int64, externalID: String, verdict: Verdict, evidence: String? = nil, variant: String? = nil) {
        self.customerID = customerID
        self.externalID = externalID
        self.verdict = verdict
        self.evidence = evidence
        self.variant = variant
    }
}
