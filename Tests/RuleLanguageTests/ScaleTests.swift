import Foundation
import Testing
@testable import RuleLanguage

/// 1,000 rules across 50 files load cleanly. Timing is measured in a release build, not asserted
/// here (see docs/performance.md); the elapsed time is printed for convenience.
struct ScaleTests {
    @Test func thousandRulesInFiftyFilesCheckCleanly() throws {
        let directory = ProcessInfo.processInfo.environment["RULE_CORPUS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rule-corpus-\(UUID().uuidString)")
        let keep = ProcessInfo.processInfo.environment["RULE_CORPUS_DIR"] != nil
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
        let names = try RuleCorpus.write(to: directory)
        #expect(names.count == 50)

        let start = ContinuousClock.now
        let result = try RuleSetLoader.load(directory: directory.path, environment: Fixtures.environment)
        let elapsed = ContinuousClock.now - start
        print("checked 1000 rules in 50 files in \(elapsed)")

        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(colour: false).render(result.diagnostics.prefix(5).map { $0 }))")
        let ruleSet = try #require(result.ruleSet)
        #expect(ruleSet.rules.count == 1000)
        #expect(ruleSet.segments.count == 149)
        #expect(ruleSet.files.count == 50)
        let loyal = try #require(ruleSet.segment(named: "loyal_49"))
        #expect(Set(loyal.dependencies) == ["regular_48", "key_48"])
        let indexOfLoyal = ruleSet.segments.firstIndex { $0.name == "loyal_49" }!
        #expect(ruleSet.segments.firstIndex { $0.name == "key_48" }! < indexOfLoyal)
    }
}
