/// A parsed test file (`rules/tests/*.test`, docs/testing-rules.md): its tests, in order.
public struct RuleTestFile: Sendable {
    public let file: SourceFile
    public let tests: [RuleTest]

    public init(file: SourceFile, tests: [RuleTest]) {
        self.file = file
        self.tests = tests
    }
}
