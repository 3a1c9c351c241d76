import Foundation
import RuleLanguage
import RuleTesting
import Testing

/// Rules and tests from text (or the repository's `rules/`), run by the real runner.
enum RuleTestFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let helsinki = TimeZone(identifier: "Europe/Helsinki")!

    static func ruleSet(_ files: [SourceFile]) throws -> RuleSet {
        let result = RuleSetLoader.check(files, environment: nil)
        return try #require(result.ruleSet, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
    }

    static func ruleSet(_ text: String) throws -> RuleSet {
        try ruleSet([SourceFile(name: "test.rules", text: text)])
    }

    /// `rules/*.rules` of the repository, named as a reader sees them (`rules/lifecycle.rules`).
    static func shippedRules(replacing: [String: String] = [:]) throws -> RuleSet {
        let folder = repository.appendingPathComponent("rules")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".rules") }.sorted()
        return try ruleSet(names.map { name in
            if let text = replacing[name] { return SourceFile(name: "rules/\(name)", text: text) }
            return SourceFile(name: "rules/\(name)", contents: Array(FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)!))
        })
    }

    /// Parses `text` (no errors allowed) and checks it against `ruleSet`.
    static func tests(_ text: String, name: String = "t.test", against ruleSet: RuleSet) throws -> RuleTestFile {
        let (file, diagnostics) = RuleTestParser.parse(SourceFile(name: name, text: text))
        let all = diagnostics + RuleTestChecker.check(file, ruleSet: ruleSet)
        try #require(all.isEmpty, "\(DiagnosticRenderer(colour: false).render(all))")
        return file
    }

    static func run(_ tests: RuleTestFile, _ ruleSet: RuleSet, cap: Int = 100) async -> [RuleTestResult] {
        await RuleTestRunner(
            ruleSet: ruleSet, settings: RuleTestSettings(businessTimeZone: helsinki, contactPressureMessages: cap, contactPressureDays: 7)
        ).run(tests)
    }
}
