import Foundation
import Testing
@testable import RuleLanguage

/// Each `Fixtures/bad/NAME.rules` (or folder `NAME/`) is checked and its rendered diagnostics must
/// equal `Fixtures/bad/NAME.expected` byte for byte.
///
/// To regenerate after a deliberate change, run with `UPDATE_GOLDEN=/path/to/Tests/RuleLanguageTests/Fixtures`
/// and review the diff.
struct GoldenDiagnosticTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(
            atPath: Fixtures.directory.appendingPathComponent("bad").path)) ?? []
        return names.filter { !$0.hasSuffix(".expected") }
            .map { $0.hasSuffix(".rules") ? String($0.dropLast(".rules".count)) : $0 }.sorted()
    }()

    @Test func thereAreEnoughBadCases() {
        #expect(Self.cases.count >= 15)
    }

    @Test(arguments: cases)
    func diagnosticsMatchGoldenFile(_ name: String) throws {
        let path = FileManager.default.fileExists(
            atPath: Fixtures.directory.appendingPathComponent("bad/\(name).rules").path)
            ? "bad/\(name).rules" : "bad/\(name)"
        let result = try Fixtures.check(path)
        let rendered = DiagnosticRenderer(colour: false).render(result.diagnostics)
        if let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] {
            try rendered.write(toFile: update + "/bad/\(name).expected", atomically: true, encoding: .utf8)
        }
        let expected = try String(
            contentsOf: Fixtures.directory.appendingPathComponent("bad/\(name).expected"), encoding: .utf8)
        #expect(rendered == expected)
        #expect(!result.diagnostics.isEmpty)
        if result.errorCount > 0 { #expect(result.ruleSet == nil) }
    }
}
