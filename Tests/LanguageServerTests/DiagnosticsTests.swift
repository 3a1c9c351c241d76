import Foundation
import RuleLanguage
import Testing
@testable import LanguageServer

/// Diagnostics as one types: `check`'s own, with the same ranges, for the whole rules directory.
struct DiagnosticsTests {
    static let winback = """
        rule "winback" {
          when order >= 2 and regular
          send email "winback-coupon"
          limit once
        }

        """

    @Test func sameDiagnosticsAndRangesAsCheck() throws {
        let client = try TestClient(
            files: ["segments.rules": "segment regular = orders >= 3\n"], emailTemplates: ["winback-coupon"])
        try client.initialize()
        client.open("winback.rules", Self.winback)
        let published = client.diagnostics()
        let diagnostics = try #require(published[client.uri("winback.rules")])
        #expect(published[client.uri("segments.rules")]?.isEmpty == true)

        // The unknown fact, at line 2 column 8 as `check` prints it (0-based 1:7 in LSP).
        let unknown = try #require(diagnostics.first)
        #expect((unknown["message"] as? String)?.hasPrefix("unknown fact 'order'") == true)
        #expect(rangeNumbers(unknown["range"]) == [1, 7, 1, 12])
        #expect(unknown["severity"] as? Int == 1)

        // Every diagnostic `check` gives the saved directory, in the same order and place.
        try client.write("winback.rules", Self.winback)
        let check = try RuleSetLoader.load(directory: client.rules.path, environment: Self.environment(client))
        let expected = check.diagnostics.filter { $0.file.name.hasSuffix("winback.rules") }
        #expect(!expected.isEmpty)
        #expect(diagnostics.count == expected.count)
        for (lsp, diagnostic) in zip(diagnostics, expected) {
            let start = diagnostic.file.location(of: diagnostic.range!.lowerBound)
            let end = diagnostic.file.location(of: diagnostic.range!.upperBound)
            // All ASCII here, so check's 1-based columns are UTF-16 characters + 1.
            #expect(rangeNumbers(lsp["range"]) == [start.line - 1, start.column - 1, end.line - 1, end.column - 1])
            #expect((lsp["message"] as? String)?.hasPrefix(diagnostic.message) == true)
        }
    }

    @Test func segmentsAndTemplatesComeFromTheWholeDirectory() throws {
        let client = try TestClient(files: ["segments.rules": "segment regular = orders >= 3\n"])
        try client.initialize()
        let rule = "rule \"r\" {\n  when regular\n  send email \"welcome\"\n  limit once\n}\n"
        client.open("r.rules", rule)
        var diagnostics = try #require(client.diagnostics()[client.uri("r.rules")])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["message"] as? String
            == "unknown email template 'welcome'\nhint: expected \(client.root.path)/templates/email/welcome.subject.mustache and \(client.root.path)/templates/email/welcome.text.mustache")
        #expect(rangeNumbers(diagnostics.first?["range"]) == [2, 13, 2, 22])  // the name with its quotes, as check marks it

        // The template appears on disk: the next check clears the error.
        for part in ["subject", "text"] {
            try Data("x".utf8).write(to: client.root.appendingPathComponent("templates/email/welcome.\(part).mustache"))
        }
        client.notify("textDocument/didSave", ["textDocument": ["uri": client.uri("r.rules")]])
        #expect(client.diagnostics()[client.uri("r.rules")]?.isEmpty == true)

        // The segment's file (not open in the editor) loses the segment: r.rules gets the error.
        try client.write("segments.rules", "segment regulars = orders >= 3\n")
        client.notify("workspace/didChangeWatchedFiles", ["changes": [["uri": client.uri("segments.rules"), "type": 2]]])
        diagnostics = try #require(client.diagnostics()[client.uri("r.rules")])
        #expect(diagnostics.count == 1)
        #expect((diagnostics.first?["message"] as? String)?.contains("'regular'") == true)
        #expect(rangeNumbers(diagnostics.first?["range"]) == [1, 7, 1, 14])
    }

    @Test func duplicateAcrossFilesPointsAtTheFirst() throws {
        let client = try TestClient(files: ["a.rules": "segment vip = spent >= 1000\n"])
        try client.initialize()
        client.open("b.rules", "segment vip = orders >= 5\n")
        let diagnostics = try #require(client.diagnostics()[client.uri("b.rules")])
        let duplicate = try #require(diagnostics.first)
        #expect((duplicate["message"] as? String)?.hasPrefix("duplicate segment 'vip'") == true)
        let related = try #require((duplicate["relatedInformation"] as? [[String: Any]])?.first)
        let location = related["location"] as? [String: Any]
        #expect(location?["uri"] as? String == client.uri("a.rules"))
        #expect(rangeNumbers(location?["range"]) == [0, 8, 0, 11])
    }

    @Test func charactersCountUTF16Units() throws {
        let client = try TestClient()
        try client.initialize()
        let prefix = "rule \"🎂 cake ä\" { when "
        client.open("cake.rules", prefix + "order >= 1 send email \"x\" limit once }\n")
        let diagnostics = try #require(client.diagnostics()[client.uri("cake.rules")])
        let unknown = try #require(diagnostics.first { ($0["message"] as? String)?.hasPrefix("unknown fact") == true })
        // 🎂 is 4 bytes and 2 UTF-16 units, ä 2 bytes and 1 unit: bytes would give 27, not 24.
        #expect(prefix.utf16.count == 24 && prefix.utf8.count == 27)
        #expect(rangeNumbers(unknown["range"]) == [0, 24, 0, 29])
    }

    @Test func editsAreCheckedOnceQuietAndFixesClearTheFile() throws {
        let client = try TestClient()
        try client.initialize()
        client.open("w.rules", "rule \"w\" { when orders >= 1 send email \"x\" limit once }\n")
        #expect(client.diagnostics()[client.uri("w.rules")]?.isEmpty == false)
        client.change("w.rules", "segment s = orders >= 1\n", version: 2)
        client.change("w.rules", "segment s = orders >=\n", version: 3)
        let diagnostics = try #require(client.diagnostics()[client.uri("w.rules")])
        #expect(diagnostics.count == 1)
        client.change("w.rules", "segment s = orders >= 1\n", version: 4)
        #expect(client.diagnostics()[client.uri("w.rules")]?.isEmpty == true)
        // Nothing changed since: nothing is published again.
        #expect(client.diagnostics().isEmpty)
    }

    @Test func otherFilesGetNoDiagnostics() throws {
        let client = try TestClient()
        try client.initialize()
        client.open("tests/winback.test", "this is { not a rule file")
        client.open("notes.txt", "rule {")
        #expect(client.diagnostics().isEmpty)
    }

    static func environment(_ client: TestClient) -> CheckEnvironment {
        let templates = client.root.appendingPathComponent("templates").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: templates + "/email")) ?? []
        return CheckEnvironment(
            emailTemplates: Set(names.filter { $0.hasSuffix(".subject.mustache") }.map { String($0.dropLast(17)) }),
            letterTemplates: [], webhookEndpoints: ["crm"], templatesDirectory: templates)
    }
}
