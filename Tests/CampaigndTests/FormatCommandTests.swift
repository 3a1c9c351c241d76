import Foundation
import Testing

/// `campaignd fmt`: rewriting in place, `--check`'s diff and exit codes, refusing files that do
/// not parse, and the default rules directory.
@Suite("campaignd fmt")
struct FormatCommandTests {
    static let messy = "segment a=orders>=1\nsegment bb = orders >= 2\nrule \"r\" {\n    send email \"welcome\"\n  when a # who\n  limit once\n}\n"
    static let formatted = "segment a  = orders >= 1\nsegment bb = orders >= 2\n\nrule \"r\" {\n  when a  # who\n  send email \"welcome\"\n  limit once\n}\n"

    /// A new directory holding `rules/` with the given files.
    static func rulesDirectory(_ files: [String: String]) throws -> URL {
        let (directory, _) = try CampaigndProcess.workspace()
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: rules.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func read(_ directory: URL, _ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("rules/" + name), encoding: .utf8)
    }

    @Test("--check prints a unified diff, writes nothing and exits 1; 0 once formatted")
    func checkPrintsDiff() async throws {
        let directory = try Self.rulesDirectory(["a.rules": Self.messy, "b.rules": Self.formatted])
        let result = try await CampaigndProcess.run(["fmt", "--check", "rules/a.rules", "rules/b.rules"], in: directory)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout == """
            --- rules/a.rules
            +++ rules/a.rules (formatted)
            @@ -1,7 +1,8 @@
            -segment a=orders>=1
            +segment a  = orders >= 1
             segment bb = orders >= 2
            +
             rule "r" {
            -    send email "welcome"
            -  when a # who
            +  when a  # who
            +  send email "welcome"
               limit once
             }

            """)
        #expect(result.stderr == "campaignd: 1 file not formatted; run 'campaignd fmt' to rewrite\n")
        #expect(try Self.read(directory, "a.rules") == Self.messy)

        let clean = try await CampaigndProcess.run(["fmt", "--check", "rules/b.rules"], in: directory)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.isEmpty && clean.stderr.isEmpty)
    }

    @Test("without --check, changed files are rewritten in place and named; a second run changes nothing")
    func rewritesInPlace() async throws {
        let directory = try Self.rulesDirectory(["a.rules": Self.messy, "b.rules": Self.formatted])
        let path = directory.appendingPathComponent("rules/a.rules").path
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        let result = try await CampaigndProcess.run(["fmt", "rules"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "rules/a.rules\n")
        #expect(try Self.read(directory, "a.rules") == Self.formatted)
        #expect(try Self.read(directory, "b.rules") == Self.formatted)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("rules").path)
        #expect(leftovers.sorted() == ["a.rules", "b.rules"])

        let again = try await CampaigndProcess.run(["fmt", "rules"], in: directory)
        #expect(again.status == 0 && again.stdout.isEmpty, "\(again.stdout)\(again.stderr)")
    }

    @Test("a file with a syntax error: its diagnostics, exit 2, and no file written")
    func syntaxErrorsWriteNothing() async throws {
        let broken = "rule \"r\" {\n  when orders >=\n  send email \"welcome\"\n}\n"
        let directory = try Self.rulesDirectory(["a.rules": Self.messy, "broken.rules": broken])
        for arguments in [["fmt"], ["fmt", "--check"]] {
            let result = try await CampaigndProcess.run(arguments, in: directory)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(result.stderr.contains("rules/broken.rules:2:17: error: expected a value after '>=' before 'send'"))
            #expect(result.stderr.hasSuffix("campaignd: nothing written\n"), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
        #expect(try Self.read(directory, "a.rules") == Self.messy)
        #expect(try Self.read(directory, "broken.rules") == broken)

        let missing = try await CampaigndProcess.run(["fmt", "rules/nope.rules"], in: directory)
        #expect(missing.status == 2)
        #expect(missing.stderr == "campaignd: read rules/nope.rules: no such file or directory\n")
    }

    @Test("without FILES, the rules directory of the config")
    func defaultsToTheConfiguredRulesDirectory() async throws {
        let directory = try Self.rulesDirectory([:])
        let custom = directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: custom, withIntermediateDirectories: true)
        try Self.messy.write(to: custom.appendingPathComponent("x.rules"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("custom.json").path
        try #"{"store": "store.sqlite", "rules": "elsewhere"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CampaigndProcess.run(["--config", config, "fmt", "--check"], in: directory)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("elsewhere/x.rules (formatted)"), "\(result.stdout)")
    }
}
