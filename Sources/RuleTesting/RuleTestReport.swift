import Foundation
import RuleLanguage

/// What `campaignd test` prints: a line per test, each failure as a diagnostic at its
/// expectation (expected, what happened, and `explain` of the customer at that instant), a
/// summary line; or the same as JSON.
public struct RuleTestReport: Sendable {
    public let results: [RuleTestResult]

    public init(results: [RuleTestResult]) {
        self.results = results
    }

    public var failedCount: Int { results.count { !$0.passed } }

    public func text(colour: Bool = false) -> String {
        let renderer = DiagnosticRenderer(colour: colour)
        var out = ""
        for result in results {
            out += "\(result.passed ? "PASS" : "FAIL") \(result.location(result.test.range)) \(result.test.name)\n"
            if let error = result.error {
                out += renderer.render(Diagnostic(.error, "test \"\(result.test.name)\" could not run: \(error)", file: result.file, range: result.test.range))
            }
            for failure in result.failures {
                out += renderer.render(Diagnostic(
                    .error, "expected \(failure.expected) at \(failure.at)", file: result.file, range: failure.expectation.range,
                    hint: "but \(failure.happened)"))
                if !failure.explanation.isEmpty {
                    out += "  why (campaignd explain at \(failure.at)):\n"
                    out += failure.explanation.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { $0.isEmpty ? "" : "    \($0)" }.joined(separator: "\n")
                    if !out.hasSuffix("\n") { out += "\n" }
                }
            }
        }
        let failed = failedCount
        out += "\(results.count) test\(results.count == 1 ? "" : "s"), \(results.count - failed) passed, \(failed) failed\n"
        return out
    }

    struct JSONFailure: Codable {
        let location: String
        let at: String
        let expected: String
        let happened: String
        let explanation: String
    }

    struct JSONTest: Codable {
        let file: String
        let location: String
        let name: String
        let passed: Bool
        let error: String?
        let expectations: Int
        let ticks: Int
        let failures: [JSONFailure]
    }

    struct JSONReport: Codable {
        let tests: [JSONTest]
        let passed: Int
        let failed: Int
    }

    /// `{"tests": [...], "passed": N, "failed": M}`, keys sorted.
    public func json() -> String {
        let report = JSONReport(
            tests: results.map { result in
                JSONTest(
                    file: result.file.name, location: result.location(result.test.range), name: result.test.name, passed: result.passed,
                    error: result.error, expectations: result.checked, ticks: result.ticks,
                    failures: result.failures.map {
                        JSONFailure(
                            location: result.location($0.expectation.range), at: $0.at, expected: $0.expected, happened: $0.happened,
                            explanation: $0.explanation)
                    })
            },
            passed: results.count - failedCount, failed: failedCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
