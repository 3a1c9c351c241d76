import Foundation
import Testing

/// `campaignd test`: exit 0 when every test passes, 1 when one fails, 2 on a test file that does
/// not parse or check; `--json`; and `check` checking test files too.
@Suite("campaignd test (command line)")
struct TestCommandTests {
    static let repository = CampaigndProcess.repository
    /// The demo config: the repository's rules, templates and webhook endpoints.
    static let config = ["--config", "examples/demo/config.json"]

    /// A copy of the repository's `rules/` (with its tests) in a new folder, edited by `edit`.
    static func rulesCopy(_ edit: (URL) throws -> Void = { _ in }) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.copyItem(at: repository.appendingPathComponent("rules"), to: rules)
        try edit(rules)
        return rules
    }

    @Test("the shipped tests pass: exit 0 and a summary")
    func shippedPass() async throws {
        let result = try await CampaigndProcess.run(Self.config + ["test", "--rules", "rules"], in: Self.repository)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS rules/tests/lifecycle.test:6:6 winback reaches regulars after 90 quiet days\n"))
        #expect(result.stdout.contains(" passed, 0 failed\n"))
        #expect(!result.stdout.contains("FAIL"))
    }

    @Test("a broken rule fails a test: exit 1, the expectation's location and the explanation")
    func brokenRuleFails() async throws {
        let rules = try Self.rulesCopy { rules in
            let file = rules.appendingPathComponent("lifecycle.rules")
            let text = try String(contentsOf: file, encoding: .utf8)
            try text.replacingOccurrences(of: "orders >= 2 and consent email", with: "orders >= 3 and consent email")
                .write(to: file, atomically: true, encoding: .utf8)
        }
        defer { try? FileManager.default.removeItem(at: rules.deletingLastPathComponent()) }
        let result = try await CampaigndProcess.run(
            Self.config + ["test", "--rules", rules.path, rules.path + "/tests/lifecycle.test"], in: Self.repository)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("FAIL \(rules.path)/tests/lifecycle.test:6:6 winback reaches regulars after 90 quiet days"))
        #expect(result.stdout.contains("\(rules.path)/tests/lifecycle.test:11:27: error: expected \"winback-coupon\" sent to \"a\" at 2025-05-12T09:00:00Z"))
        #expect(result.stdout.contains("✗ orders >= 3"))
    }

    @Test("a test file that does not parse: exit 2, file:line:column, nothing runs")
    func parseErrorExitsTwo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.test").path
        try """
            test "bad" {
              customer "a" { email "a@example.com" }
              at 2025-05-12T09:00:00Z expect send "winback-cupon" to "a"
            }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await CampaigndProcess.run(Self.config + ["test", "--rules", "rules", file], in: Self.repository)
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("\(file):3:39: error: no rule or journey step \"winback-cupon\""))
        #expect(result.stderr.contains("did you mean \"winback-coupon\"?"))
        let missing = try await CampaigndProcess.run(Self.config + ["test", "--rules", "rules", file + ".missing"], in: Self.repository)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("campaignd: cannot read test file \(file).missing\n"))
        // check reports the same problem for a test file beside the rules.
        let rules = try Self.rulesCopy { rules in
            try FileManager.default.copyItem(atPath: file, toPath: rules.appendingPathComponent("tests/bad.test").path)
        }
        defer { try? FileManager.default.removeItem(at: rules.deletingLastPathComponent()) }
        let check = try await CampaigndProcess.run(Self.config + ["check", "--rules", rules.path], in: Self.repository)
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(rules.path)/tests/bad.test:3:39: error: no rule or journey step \"winback-cupon\""))
        #expect(try await CampaigndProcess.run(Self.config + ["check", "--rules", "rules"], in: Self.repository).status == 0)
    }

    @Test("--json: one object per test, with the counts")
    func json() async throws {
        let result = try await CampaigndProcess.run(Self.config + ["test", "--rules", "rules", "--json", "rules/tests/lifecycle.test"], in: Self.repository)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tests = try #require(object["tests"] as? [[String: Any]])
        #expect(object["failed"] as? Int == 0)
        #expect(object["passed"] as? Int == tests.count)
        #expect(tests.first?["name"] as? String == "winback reaches regulars after 90 quiet days")
        #expect(tests.first?["location"] as? String == "rules/tests/lifecycle.test:6:6")
        #expect(tests.allSatisfy { ($0["failures"] as? [Any])?.isEmpty == true && $0["passed"] as? Bool == true })
    }
}
