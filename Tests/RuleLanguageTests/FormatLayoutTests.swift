import Foundation
import Testing
@testable import RuleLanguage

/// The layout decisions of `campaignd fmt`, pinned: each `Fixtures/format/NAME.rules` formats to
/// `Fixtures/format/NAME.expected` byte for byte, and the expected file is already formatted.
///
/// To regenerate after a deliberate change, run with `UPDATE_GOLDEN=/path/to/Tests/RuleLanguageTests/Fixtures`
/// and review the diff.
struct FormatLayoutTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(
            atPath: Fixtures.directory.appendingPathComponent("format").path)) ?? []
        return names.filter { $0.hasSuffix(".rules") }.map { String($0.dropLast(".rules".count)) }.sorted()
    }()

    @Test func everyLayoutDecisionHasACase() {
        #expect(Set(Self.cases).isSuperset(of: ["spacing", "segments", "clause-order", "comments", "steps", "conditions"]))
    }

    @Test(arguments: cases)
    func formatsToGoldenFile(_ name: String) throws {
        let input = try String(contentsOf: Fixtures.directory.appendingPathComponent("format/\(name).rules"), encoding: .utf8)
        let formatted = try RuleFormatter.format(input, fileName: "\(name).rules")
        if let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] {
            try formatted.write(toFile: update + "/format/\(name).expected", atomically: true, encoding: .utf8)
        }
        let expected = try String(
            contentsOf: Fixtures.directory.appendingPathComponent("format/\(name).expected"), encoding: .utf8)
        #expect(formatted == expected)
        #expect(formatted != input, "the case shows nothing to format")
        #expect(try RuleFormatter.format(expected, fileName: "\(name).expected") == expected)
    }

    @Test func aFileWithSyntaxErrorsIsNotFormatted() throws {
        let text = "rule \"r\" {\n  when orders >=\n  send email \"welcome\"\n}\n"
        do {
            _ = try RuleFormatter.format(text, fileName: "broken.rules")
            Issue.record("formatted a file with a syntax error")
        } catch let error as RuleFormatError {
            #expect(error.diagnostics.map(\.message) == ["expected a value after '>=' before 'send'"])
            #expect(error.description == "broken.rules: 1 syntax error; not formatted (fix them first, see 'campaignd check')")
        }
    }

    @Test func semanticErrorsDoNotStopFormatting() throws {
        // An unknown fact and a missing 'send' are for 'check' to report; the layout is still fixed.
        let text = "rule \"r\" {when ordres>=1}\n"
        #expect(try RuleFormatter.format(text, fileName: "r.rules") == "rule \"r\" {\n  when ordres >= 1\n}\n")
    }

    @Test func emptyAndCommentOnlyFiles() throws {
        #expect(try RuleFormatter.format("", fileName: "e.rules") == "")
        #expect(try RuleFormatter.format("\n\n  \n", fileName: "e.rules") == "")
        #expect(try RuleFormatter.format("\n  # only\n\n\n# comments  \n\n", fileName: "c.rules") == "# only\n\n# comments\n")
    }

    @Test func lineEndingsTabsAndByteOrderMark() throws {
        let text = "\u{FEFF}segment a = orders >= 1\r\n# note\r\nrule \"r\" {\r\n\twhen a\r\n\tsend email \"welcome\"\r\n}\r\n"
        #expect(try RuleFormatter.format(text, fileName: "crlf.rules")
            == "segment a = orders >= 1\n\n# note\nrule \"r\" {\n  when a\n  send email \"welcome\"\n}\n")
    }
}
