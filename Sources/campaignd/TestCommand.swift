import ArgumentParser
import CampaignConfig
import Daemon
import Foundation
import RuleLanguage
import RuleTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `campaignd test [FILES…]`: runs rule tests (docs/testing-rules.md) against the rules directory,
/// each on a scratch store with the real engine over simulated time; nothing is sent.
///
/// Exit status: 0 when every test passes, 1 when any fails, 2 when a test file or the rules do
/// not parse or check (nothing runs then), a file cannot be read, or no test file is found.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule tests: customers, instants and what must (not) be sent. Nothing is sent.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Rules directory (default: from the config).")
    var rules: String?

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Argument(help: "Test files (default: tests/*.test in the rules directory).")
    var files: [String] = []

    func run() async throws {
        try await failingCleanly {
            let config = try CheckCommand.configOrDefaults(root.global)
            let directory = RuntimeLoader.relativeToCurrentDirectory(rules ?? config.rulesDirectory)
            let ruleSet = try loadRules(config: config, directory: directory)
            let paths = files.isEmpty ? try TestFiles.find(in: directory) : files
            guard !paths.isEmpty else {
                printError("no test files in \(directory)/tests")
                printError("hint: write rules tests as \(directory)/tests/NAME.test (docs/testing-rules.md)")
                throw ExitCode(2)
            }
            for path in paths where !FileManager.default.isReadableFile(atPath: path) {
                printError("cannot read test file \(path)")
                printError("hint: check the path; without FILES, tests/*.test in the rules directory run")
                throw ExitCode(2)
            }
            var testFiles: [RuleTestFile] = []
            var diagnostics: [Diagnostic] = []
            for path in paths {
                let (parsed, problems) = try TestFiles.check(path: path, ruleSet: ruleSet)
                testFiles.append(parsed)
                diagnostics += problems
            }
            let errors = diagnostics.filter { $0.severity == .error }
            guard errors.isEmpty else {
                FileHandle.standardError.write(Data(DiagnosticRenderer(colour: isatty(STDERR_FILENO) == 1).render(diagnostics).utf8))
                printError("\(errors.count) error\(errors.count == 1 ? "" : "s") in test files; no test ran")
                throw ExitCode(2)
            }
            let runner = RuleTestRunner(
                ruleSet: ruleSet,
                settings: RuleTestSettings(
                    businessTimeZone: config.timeZone, currency: config.currency,
                    contactPressureMessages: config.contactPressure.maxMessages, contactPressureDays: config.contactPressure.perDays,
                    defaultEmailQuietHours: config.defaultEmailQuietHours))
            var results: [RuleTestResult] = []
            for file in testFiles { results += await runner.run(file) }
            let report = RuleTestReport(results: results)
            print(json ? report.json() : report.text(colour: isatty(STDOUT_FILENO) == 1), terminator: "")
            if report.failedCount > 0 { throw ExitCode.failure }
        }
    }

    /// The checked rule set, or exit 2 with `check`'s diagnostics.
    private func loadRules(config: Config, directory: String) throws -> RuleSet {
        let result: CheckResult
        do {
            result = try RuntimeLoader.rules(config: config, directory: directory)
        } catch let error as RuleSetLoadError {
            printError(error.description)
            printError("hint: pass --rules DIR, or set \"rules\" in the config")
            throw ExitCode(2)
        }
        guard let ruleSet = result.ruleSet else {
            FileHandle.standardError.write(Data(DiagnosticRenderer(colour: isatty(STDERR_FILENO) == 1).render(result.diagnostics).utf8))
            printError("the rules in \(directory) have \(result.errorCount) error\(result.errorCount == 1 ? "" : "s"); no test ran")
            throw ExitCode(2)
        }
        return ruleSet
    }
}
