import Foundation
import Testing
@testable import RuleLanguage

struct DiagnosticRendererTests {
    private func diagnostic(_ text: String, at needle: String, hint: String? = "did you mean 'orders'?") -> Diagnostic {
        let file = SourceFile(name: "rules/winback.rules", text: text)
        let start = text.utf8.count - text[text.range(of: needle)!.lowerBound...].utf8.count
        return Diagnostic(.error, "unknown fact 'order'", file: file, range: start..<start + needle.utf8.count, hint: hint)
    }

    @Test func rendersTheStyleGuideExampleExactly() {
        let text = "rule \"winback\" {\n  send email \"x\"\n  limit once\n  when order >= 2\n}\n"
        #expect(
            DiagnosticRenderer(colour: false).render(diagnostic(text, at: "order"))
                == """
                rules/winback.rules:4:8: error: unknown fact 'order'
                  4 |   when order >= 2
                    |        ^~~~~ did you mean 'orders'?

                """)
    }

    @Test func colourOnlyWhenAskedFor() {
        let item = diagnostic("when order >= 2\n", at: "order")
        #expect(!DiagnosticRenderer(colour: false).render(item).contains("\u{1B}["))
        let coloured = DiagnosticRenderer(colour: true).render(item)
        #expect(coloured.contains("\u{1B}[1;31merror:"))
        #expect(coloured.contains("\u{1B}[0m"))
    }

    @Test func tabsAndWideCharactersKeepTheCaretAligned() {
        let rendered = DiagnosticRenderer(colour: false).render(diagnostic("\twhen 日本 and order\n", at: "order"))
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        // Column 14 counts characters (the tab is one). On screen: tab → 4 cells, "when " 5,
        // "日本" 4 cells, " and " 5: the caret sits at cell 18.
        #expect(lines[0] == "rules/winback.rules:1:14: error: unknown fact 'order'")
        #expect(lines[1] == "  1 |     when 日本 and order")
        #expect(lines[2] == "    | " + String(repeating: " ", count: 18) + "^~~~~ did you mean 'orders'?")
    }

    @Test func columnsCountGraphemeClusters() {
        let file = SourceFile(name: "f", text: "ab\n\"🇫🇮 e\u{301}\" x")
        let offset = Array(file.bytes).lastIndex(of: UInt8(ascii: "x"))!
        // 🇫🇮 is one cluster (two scalars, eight bytes); é written as e + U+0301 is one cluster too.
        #expect(file.location(of: offset) == SourceLocation(line: 2, column: 7))
    }

    @Test func longLinesAreCutAroundTheCaret() {
        let text = "when " + String(repeating: "orders >= 1 and ", count: 100_000) + "order\n"
        let rendered = DiagnosticRenderer(colour: false).render(diagnostic(text, at: "order\n"))
        #expect(rendered.count < 800)
        #expect(rendered.contains("…orders >= 1 and order"))
        #expect(rendered.hasPrefix("rules/winback.rules:1:1600006: error:"))
    }

    @Test func notesPointAtTheFirstDefinition() throws {
        let result = try Fixtures.check("bad/duplicate-across-files")
        let duplicate = try #require(result.diagnostics.first { $0.message == "duplicate rule 'birthday'" })
        #expect(duplicate.locationDescription == "bad/duplicate-across-files/b.rules:9:6")
        #expect(duplicate.notes.first?.file.name == "bad/duplicate-across-files/a.rules")
    }
}

struct SourceFileTests {
    @Test func contentHashIsFNV1a64() {
        #expect(SourceFile(name: "e", contents: []).contentHash == "cbf29ce484222325")
        #expect(SourceFile(name: "a", text: "a").contentHash == "af63dc4c8601ec8c")
        #expect(SourceFile(name: "f", text: "foobar").contentHash == "85944171f73967e8")
    }

    @Test func invalidUTF8IsReplacedAndRemembered() {
        let file = SourceFile(name: "x", contents: [0x61, 0xFF, 0x62, 0xC3])
        #expect(file.text(0..<file.bytes.count) == "a\u{FFFD}b\u{FFFD}")
        #expect(file.invalidUTF8Offsets == [1, 5])
        #expect(file.contentHash == FNV1a.hexDigest(of: [0x61, 0xFF, 0x62, 0xC3]))
    }

    @Test func crlfLineEndingsAreNotPartOfTheLine() {
        let file = SourceFile(name: "x", text: "rule\r\nwhen x\r\n")
        let offset = 6
        #expect(file.location(of: offset) == SourceLocation(line: 2, column: 1))
        #expect(file.text(file.lineRange(containing: offset)) == "when x")
    }
}

struct EditDistanceTests {
    @Test func distances() {
        #expect(EditDistance.distance("order", "orders") == 1)
        #expect(EditDistance.distance("kitten", "sitting") == 3)
        #expect(EditDistance.distance("", "abc") == 3)
    }

    @Test func suggestionsAreCloseOrAbsent() {
        #expect(EditDistance.suggestion(for: "order", among: ["orders", "spent"]) == "orders")
        #expect(EditDistance.suggestion(for: "Orders", among: ["orders"]) == "orders")
        #expect(EditDistance.suggestion(for: "xyz", among: ["orders", "spent"]) == nil)
        #expect(EditDistance.suggestion(for: "sned", among: ["send", "when"]) == "send")
    }
}

struct LanguageDetailTests {
    private func check(_ text: String) -> CheckResult {
        RuleSetLoader.check([SourceFile(name: "t.rules", text: text)], environment: Fixtures.environment)
    }

    private func rule(_ when: String) -> String {
        "rule \"r\" {\n  when \(when)\n  send email \"welcome\"\n  limit once\n}\n"
    }

    @Test func leapDaysAreValidOnlyInLeapYears() {
        #expect(check(rule("joined >= 2024-02-29")).errorCount == 0)
        #expect(check(rule("joined >= 2025-02-29")).diagnostics.map(\.message) == ["invalid date '2025-02-29'"])
    }

    @Test func precedenceIsNotThenAndThenOr() throws {
        let result = check(rule("not tagged \"a\" and tagged \"b\" or tagged \"c\""))
        let condition = try #require(result.ruleSet?.rules.first?.condition)
        #expect(condition.sExpression == "(or (and (not tagged[a]) tagged[b]) tagged[c])")
    }

    @Test func conditionsMaySpanLines() throws {
        let result = check(rule("orders >= 1\n    and\n    consent email"))
        #expect(result.ruleSet?.rules.first?.condition.sExpression == "(and (>= orders 1 number) consent[email])")
    }

    @Test func literalsMayStandOnTheLeft() throws {
        let result = check(rule("3 <= orders"))
        #expect(result.ruleSet?.rules.first?.condition.sExpression == "(<= 3 orders number)")
    }

    @Test func templateNamesAreNotCheckedWithoutAnEnvironment() {
        let text = "rule \"r\" {\n  when orders >= 1\n  send email \"nowhere\"\n  limit once\n}\n"
        #expect(RuleSetLoader.check([SourceFile(name: "t", text: text)], environment: nil).errorCount == 0)
        #expect(check(text).diagnostics.map(\.message) == ["unknown email template 'nowhere'"])
    }

    @Test func rulesMayUseSegmentsFromLaterFiles() {
        let a = SourceFile(name: "a.rules", text: rule("later and consent email"))
        let b = SourceFile(name: "b.rules", text: "segment later = orders >= 5\n")
        let result = RuleSetLoader.check([a, b], environment: Fixtures.environment)
        #expect(result.errorCount == 0)
        #expect(result.ruleSet?.segments.map(\.name) == ["later"])
    }

    @Test func loaderReadsOnlyRuleFilesInNameOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try rule("orders >= 1").replacingOccurrences(of: "\"r\"", with: "\"second\"")
            .write(to: directory.appendingPathComponent("b.rules"), atomically: true, encoding: .utf8)
        try rule("orders >= 2").replacingOccurrences(of: "\"r\"", with: "\"first\"")
            .write(to: directory.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        try "not a rule file".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = try RuleSetLoader.load(directory: directory.path, environment: Fixtures.environment)
        #expect(result.diagnostics.isEmpty)
        #expect(result.ruleSet?.rules.map(\.name) == ["first", "second"])
        #expect(result.ruleSet?.rules.first?.filePath == directory.path + "/a.rules")
        #expect(throws: RuleSetLoadError.self) {
            try RuleSetLoader.load(directory: directory.path + "/missing", environment: nil)
        }
    }

    @Test func everyBuiltInFactIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/rules.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for fact in FactCatalog.all {
            #expect(text.contains("`\(fact.usage)`"), "docs/rules.md does not document `\(fact.usage)`")
        }
        for keyword in Keyword.allCases {
            #expect(text.contains("`\(keyword.rawValue)`"), "docs/rules.md does not mention `\(keyword.rawValue)`")
        }
    }

    /// Regression (reliability scenario 8): a 10 MB identifier was echoed whole in the message.
    @Test func aHugeNameIsCutInTheMessageAndTheExcerpt() {
        let name = String(repeating: "o", count: 10_000_000)
        let text = "rule \"r\" {\n  when \(name) >= 1\n  send email \"x\"\n  limit once\n}\n"
        let result = RuleSetLoader.check([SourceFile(name: "huge.rules", text: text)], environment: nil)
        let rendered = DiagnosticRenderer(colour: false).render(result.diagnostics)
        #expect(result.errorCount > 0)
        #expect(rendered.contains("error: unknown fact 'ooo"))
        let longest = rendered.split(separator: "\n").map(\.count).max() ?? 0
        #expect(longest <= DiagnosticRenderer.maximumMessageCharacters + 60, "a line of \(longest) characters")
    }
}
