import Foundation
import Testing
@testable import RuleLanguage

/// `fmt` never changes meaning and is idempotent, on every rule file in the repository and on the
/// parser's fuzz corpus (the same generated inputs as `FuzzTests`).
///
/// Meaning is compared on the checked result, not on the syntax the formatter verifies itself
/// against: the same diagnostics (messages, warnings and errors; positions aside) and, when the
/// file checks, the same rule set, dumped without source positions.
struct FormatCorpusTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every `.rules` file under rules/, examples/, bench/ and Tests/, relative to the repository.
    static let repositoryFiles: [String] = {
        var paths: [String] = []
        for folder in ["rules", "examples", "bench", "Tests"] {
            let root = repository.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let path = walker.nextObject() as? String {
                if path.hasSuffix(".rules") { paths.append(folder + "/" + path) }
            }
        }
        return paths.sorted()
    }()

    @Test func theRepositoryHasRuleFilesToFormat() {
        for expected in ["rules/lifecycle.rules", "rules/journeys.rules", "bench/rules/typical.rules",
                         "Tests/RuleLanguageTests/Fixtures/good/product-example.rules"] {
            #expect(Self.repositoryFiles.contains(expected), "\(expected) not found")
        }
        #expect(Self.repositoryFiles.count >= 40)
    }

    @Test func everyRepositoryRuleFile() throws {
        var formattedCount = 0
        for path in Self.repositoryFiles {
            let bytes = [UInt8](try Data(contentsOf: Self.repository.appendingPathComponent(path)))
            if Self.preservesMeaning(bytes, name: path) { formattedCount += 1 }
        }
        // The bad fixtures with syntax errors are refused; the others must all be formatted.
        #expect(formattedCount >= 25, "only \(formattedCount) files formatted")
    }

    @Test func theShippedRulesAreFormatted() throws {
        for path in Self.repositoryFiles where path.hasPrefix("rules/") {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(path), encoding: .utf8)
            #expect(try RuleFormatter.format(text, fileName: path) == text, "\(path): run 'campaignd fmt rules'")
        }
    }

    @Test func fuzzTruncations() {
        var formatted = 0
        for file in FuzzTests.seedFiles {
            for length in 0...file.count where Self.preservesMeaning(Array(file.prefix(length)), name: "t.rules") {
                formatted += 1
            }
        }
        #expect(formatted >= 500, "only \(formatted) truncations parsed")
    }

    @Test func fuzzMutations() {
        var random = SplitMix64(seed: FuzzTests.mutationSeed)
        var formatted = 0
        for _ in 0..<FuzzTests.mutationCount where Self.preservesMeaning(FuzzTests.mutation(&random), name: "m.rules") {
            formatted += 1
        }
        #expect(formatted >= 1_000, "only \(formatted) mutations parsed")
    }

    @Test func fuzzTokenSoups() {
        var random = SplitMix64(seed: FuzzTests.soupSeed)
        var formatted = 0
        for _ in 0..<FuzzTests.soupCount where Self.preservesMeaning(FuzzTests.soup(&random), name: "s.rules") {
            formatted += 1
        }
        #expect(formatted >= 500, "only \(formatted) soups parsed")
    }

    @Test func generatedWellFormedFiles() {
        var files = WellFormedRuleFiles(seed: 0x5EED_F0F0)
        var formatted = 0
        for _ in 0..<3_000 where Self.preservesMeaning(Array(files.next().utf8), name: "g.rules") { formatted += 1 }
        #expect(formatted >= 2_500, "only \(formatted) generated files parsed")
    }

    @Test func extremes() throws {
        let nested = String(repeating: "(", count: Parser.maximumNestingDepth) + "orders >= 1"
            + String(repeating: ")", count: Parser.maximumNestingDepth)
        #expect(Self.preservesMeaning(Array("segment s=\(nested)".utf8), name: "nested.rules"))
        let chain = (0..<20_000).map { "orders >= \($0)" }.joined(separator: " and\n")
        #expect(Self.preservesMeaning(Array("segment s = \(chain)".utf8), name: "chain.rules"))
        let wide = "rule \"r\" { when tagged \"" + String(repeating: "x", count: 1 << 20) + "\" send email \"welcome\" limit once }"
        #expect(Self.preservesMeaning(Array(wide.utf8), name: "wide.rules"))
    }

    /// Formats `bytes` if they parse, and checks the promise; false when they do not parse
    /// (then formatting must refuse with the parser's errors).
    @discardableResult
    static func preservesMeaning(_ bytes: [UInt8], name: String) -> Bool {
        let file = SourceFile(name: name, contents: bytes)
        let parseErrors = Parser.parse(file).diagnostics.filter { $0.severity == .error }
        let formatted: String
        do {
            formatted = try RuleFormatter.format(file)
        } catch let error as RuleFormatError {
            if parseErrors.isEmpty || error.diagnostics.count != parseErrors.count {
                Issue.record("\(error) for \(String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription)")
            }
            return false
        } catch {
            Issue.record("\(error)")
            return false
        }
        if !parseErrors.isEmpty { Issue.record("formatted a file with syntax errors: \(name)") }
        let again = (try? RuleFormatter.format(formatted, fileName: name)) ?? "<not formatted>"
        let before = RuleSetLoader.check([file], environment: Fixtures.environment)
        let after = RuleSetLoader.check([SourceFile(name: name, text: formatted)], environment: Fixtures.environment)
        let same = again == formatted
            && before.diagnostics.map(\.summary).sorted() == after.diagnostics.map(\.summary).sorted()
            && before.ruleSet?.dump == after.ruleSet?.dump
        if !same {
            Issue.record("""
                \(name): formatting changed meaning or is not idempotent
                input: \(String(decoding: bytes.prefix(400), as: UTF8.self).debugDescription)
                formatted: \(formatted.prefix(400).debugDescription)
                again: \(again.prefix(400).debugDescription)
                """)
        }
        return true
    }
}

extension Diagnostic {
    /// Severity, message and hint, without the position (nor positions quoted in them, such as
    /// "first defined at x.rules:2:9" or "the rule started at line 3").
    var summary: String {
        "\(severity): \(message) | \(hint ?? "")".replacing(/[0-9]+:[0-9]+/, with: "_").replacing(/line [0-9]+/, with: "line _")
    }
}
