import RuleLanguage

/// How one test went: passed, failed expectations (each with what happened and the customer's
/// explanation at that instant), or could not run (a bad time zone, an import that failed).
public struct RuleTestResult: Sendable {
    /// One expectation that did not hold.
    public struct Failure: Sendable {
        public let expectation: TestExpectation
        /// `2025-05-12T09:00:00Z`.
        public let at: String
        /// What was expected, in words.
        public let expected: String
        /// What the send log shows instead, in words.
        public let happened: String
        /// `campaignd explain` of the customer at that instant, for the rule or journey named.
        public let explanation: String
    }

    public let file: SourceFile
    public let test: RuleTest
    public let failures: [Failure]
    /// Why the test could not run, or nil.
    public let error: String?
    /// Expectations checked (all of them, when the test ran).
    public let checked: Int
    /// Simulated ticks run.
    public let ticks: Int

    public var passed: Bool { failures.isEmpty && error == nil }

    /// `file:line:column` of `range`'s start.
    public func location(_ range: Range<Int>) -> String {
        "\(file.name):\(file.location(of: range.lowerBound))"
    }
}
