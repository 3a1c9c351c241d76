/// `at INSTANT expect send "RULE" to "CUSTOMER"` and its kin: what must (or must not) have been
/// decided for one rule or journey step (`"journey/step"`) and one customer by an instant.
public struct TestExpectation: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A message queued or sent since the previous instant of the test.
        case send
        /// No message since the previous instant.
        case noSend
        /// Not sent, and skipped, for this reason when given (`limit`, `no_consent`, …).
        case skip(reason: String?)
        /// In the control group: recorded, never sent.
        case holdout
    }

    public let at: TestMoment
    public let kind: Kind
    /// A rule name or `journey/step`.
    public let name: String
    public let customer: String
    /// From `expect` to the end of the expectation: where a failure points.
    public let range: Range<Int>
    public let nameRange: Range<Int>
    public let customerRange: Range<Int>
    public let reasonRange: Range<Int>?

    public init(
        at: TestMoment, kind: Kind, name: String, customer: String, range: Range<Int>, nameRange: Range<Int>,
        customerRange: Range<Int>, reasonRange: Range<Int>?
    ) {
        self.at = at
        self.kind = kind
        self.name = name
        self.customer = customer
        self.range = range
        self.nameRange = nameRange
        self.customerRange = customerRange
        self.reasonRange = reasonRange
    }

    /// What was expected, in words: `"winback-coupon" sent to "a"`.
    public var summary: String {
        switch kind {
        case .send: "\"\(name)\" sent to \"\(customer)\""
        case .noSend: "nothing from \"\(name)\" sent to \"\(customer)\""
        case .skip(let reason): "\"\(name)\" skipped for \"\(customer)\"\(reason.map { " because \($0.replacingOccurrences(of: "_", with: " "))" } ?? "")"
        case .holdout: "\"\(customer)\" held out of \"\(name)\" (control group)"
        }
    }
}
