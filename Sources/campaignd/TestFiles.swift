import Foundation
import RuleLanguage

/// Finding, reading and checking rule test files: shared by `test` and `check`.
enum TestFiles {
    /// `DIRECTORY/tests/*.test`, sorted; none when the folder does not exist.
    static func find(in rulesDirectory: String) throws -> [String] {
        let folder = rulesDirectory + "/tests"
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".test") }.sorted()
            .map { folder + "/" + $0 }
    }

    /// Parses and checks the file at `path` against `ruleSet`.
    static func check(path: String, ruleSet: RuleSet) throws -> (RuleTestFile, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read test file \(path)", hint: "check the path and its permissions")
        }
        let (parsed, diagnostics) = RuleTestParser.parse(SourceFile(name: path, contents: Array(data)))
        return (parsed, diagnostics + RuleTestChecker.check(parsed, ruleSet: ruleSet))
    }
}
