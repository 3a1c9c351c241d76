/// One `test "NAME" { … }` block: its customers, and the expectations at each instant.
public struct RuleTest: Sendable {
    public let name: String
    public let range: Range<Int>
    /// `time zone "Europe/Helsinki"`: the business time zone for this test (dates without a
    /// time, calendar conditions); nil keeps the config's.
    public var timeZone: String?
    public var timeZoneRange: Range<Int>?
    /// `start INSTANT`: the first tick; without it, the first `at`.
    public var start: TestMoment?
    public var customers: [TestCustomer] = []
    public var expectations: [TestExpectation] = []

    public init(name: String, range: Range<Int>) {
        self.name = name
        self.range = range
    }
}
