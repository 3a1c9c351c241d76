import Foundation

/// A customer declared in a test (`customer "a" { … }`): profile, consents, purchases, events,
/// feedback, each with its time, and the holdouts the test pins the customer in or out of.
public struct TestCustomer: Sendable {
    /// A dated record and where it is written.
    public struct Dated<Value: Sendable>: Sendable {
        public let value: Value
        public let at: TestMoment
        public let range: Range<Int>
    }

    public struct Consent: Sendable, Equatable {
        public let channel: String
        public let granted: Bool
    }

    public struct Purchase: Sendable, Equatable {
        /// In major units of the store's currency, exactly as written (`40.00`).
        public let amount: Decimal
    }

    public struct Feedback: Sendable, Equatable {
        /// `nps`, `csat` or `ces`.
        public let kind: String
        public let score: Int
    }

    /// `holdout in "winback-coupon"`, `holdout out` (of every rule's and journey's control group).
    public struct HoldoutPin: Sendable, Equatable {
        public let inside: Bool
        /// A rule or journey name; nil for every rule and journey with a holdout.
        public let name: String?
        public let range: Range<Int>
    }

    /// The name the test's expectations use; also the customer's id in the scratch store
    /// (suffixed when a holdout pin needs another id: see docs/testing-rules.md).
    public let name: String
    public let range: Range<Int>
    public var email: String?
    public var fullName: String?
    public var birthday: CalendarDate?
    public var timeZone: String?
    public var timeZoneRange: Range<Int>?
    /// Street, postal code, city, country: what a letter needs.
    public var address: [String]?
    public var consents: [Dated<Consent>] = []
    public var purchases: [Dated<Purchase>] = []
    /// Event names.
    public var events: [Dated<String>] = []
    public var feedback: [Dated<Feedback>] = []
    public var holdoutPins: [HoldoutPin] = []

    public init(name: String, range: Range<Int>) {
        self.name = name
        self.range = range
    }

    /// Every dated record's instant, for where a test's simulated time begins.
    public func instants(in zone: TimeZone) -> [Int64] {
        consents.map { $0.at.seconds(in: zone) } + purchases.map { $0.at.seconds(in: zone) }
            + events.map { $0.at.seconds(in: zone) } + feedback.map { $0.at.seconds(in: zone) }
    }
}
