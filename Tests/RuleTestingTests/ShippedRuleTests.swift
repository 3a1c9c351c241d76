import Foundation
import RuleLanguage
import RuleTesting
import Testing

/// The repository's `rules/tests/*.test` against its `rules/`: every test passes, every rule and
/// journey step is tested, and a deliberately broken rule fails a shipped test with a message a
/// marketer can read (kept as a golden file).
@Suite("campaignd test: the shipped rule tests")
struct ShippedRuleTests {
    static func shippedTests(against ruleSet: RuleSet) throws -> [RuleTestFile] {
        let folder = RuleTestFixture.repository.appendingPathComponent("rules/tests")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".test") }.sorted().map { name in
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            return try RuleTestFixture.tests(text, name: "rules/tests/\(name)", against: ruleSet)
        }
    }

    @Test("every shipped test passes")
    func shippedTestsPass() async throws {
        let ruleSet = try RuleTestFixture.shippedRules()
        let files = try Self.shippedTests(against: ruleSet)
        #expect(files.count == 2)
        var results: [RuleTestResult] = []
        for file in files { results += await RuleTestFixture.run(file, ruleSet, cap: 2) }
        #expect(results.count >= 10)
        #expect(RuleTestReport(results: results).failedCount == 0, "\(RuleTestReport(results: results).text())")
    }

    @Test("every rule and every journey step in rules/ has a test that expects a send")
    func everythingIsCovered() throws {
        let ruleSet = try RuleTestFixture.shippedRules()
        let expected = Set(try Self.shippedTests(against: ruleSet).flatMap(\.tests).flatMap(\.expectations).filter { $0.kind == .send }.map(\.name))
        let names = ruleSet.rules.map(\.name) + ruleSet.journeys.flatMap { journey in journey.steps.map { journey.sendName(of: $0) } }
        #expect(names.filter { !expected.contains($0) } == [])
    }

    @Test("a broken winback rule fails the shipped test with a readable message (golden file)")
    func brokenRuleGolden() async throws {
        let path = RuleTestFixture.repository.appendingPathComponent("rules/lifecycle.rules").path
        let original = try String(contentsOfFile: path, encoding: .utf8)
        // The deliberate mistake: 120 quiet days instead of 90.
        let broken = original.replacingOccurrences(of: "no purchase in last 90 days", with: "no purchase in last 120 days")
        try #require(broken != original)
        let ruleSet = try RuleTestFixture.shippedRules(replacing: ["lifecycle.rules": broken])
        let file = try #require(try Self.shippedTests(against: ruleSet).first { $0.file.name == "rules/tests/lifecycle.test" })
        let winback = RuleTestFile(file: file.file, tests: file.tests.filter { $0.name.hasPrefix("winback") })
        let results = await RuleTestFixture.run(winback, ruleSet, cap: 2)
        let rendered = RuleTestReport(results: results).text()
        let golden = RuleTestFixture.fixtures.appendingPathComponent("winback-120-days.expected")
        if let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] {
            try rendered.write(toFile: update + "/winback-120-days.expected", atomically: true, encoding: .utf8)
        }
        #expect(results.map(\.passed) == [false, false])
        #expect(rendered == (try String(contentsOf: golden, encoding: .utf8)))
    }
}
