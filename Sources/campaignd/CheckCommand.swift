import ArgumentParser
import CampaignConfig
import CustomerStore
import Daemon
import Engine
import Foundation
import PostgresStore
import RuleLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `campaignd check`: validate the config, every rule file and every template a rule names.
///
/// The checks are the daemon's own (`RuntimeLoader`): what passes here loads in `run`.
///
/// Diagnostics go to stderr (in colour only on a terminal); a clean run prints
/// `N rules, J journeys, M segments OK` and exits 0, any error exits 1. With a store (the
/// config's: a SQLite file that exists, or a PostgreSQL database it can reach), it also warns how
/// many customers each change of a live journey affects, as the reload log does; those warnings,
/// and one saying the edits were not counted when the database cannot be reached, leave the exit
/// status alone.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the config, the rule files and the templates they name.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Rules directory (default: from the config).")
    var rules: String?

    func run() async throws {
        try await failingCleanly {
            let config = try loadConfig()
            let directory = RuntimeLoader.relativeToCurrentDirectory(rules ?? config.rulesDirectory)
            let result: CheckResult
            do {
                result = try RuntimeLoader.rules(config: config, directory: directory)
            } catch let error as RuleSetLoadError {
                throw CommandFailure(error.description, hint: "pass --rules DIR, or set \"rules\" in the config")
            }
            let renderer = DiagnosticRenderer(colour: isatty(STDERR_FILENO) == 1)
            FileHandle.standardError.write(Data(renderer.render(result.diagnostics).utf8))
            let warnings = result.warningCount == 0
                ? "" : " (\(result.warningCount) warning\(result.warningCount == 1 ? "" : "s"))"
            guard let ruleSet = result.ruleSet else {
                let errors = "\(result.errorCount) error\(result.errorCount == 1 ? "" : "s")"
                FileHandle.standardError.write(Data("\(errors) in \(directory)\(warnings)\n".utf8))
                throw ExitCode.failure
            }
            if ruleSet.files.isEmpty {
                printError("warning: no .rules files in \(directory)")
            }
            let problems = RuntimeLoader.templateAndChannelProblems(config: config, rules: ruleSet)
            if !problems.isEmpty {
                FileHandle.standardError.write(Data(problems.map { $0 + "\n" }.joined().utf8))
                let errors = "\(problems.count) error\(problems.count == 1 ? "" : "s")"
                FileHandle.standardError.write(Data("\(errors) in templates and channels\(warnings)\n".utf8))
                throw ExitCode.failure
            }
            await reportJourneyEdits(config: config, ruleSet: ruleSet)
            // Test files beside the rules (docs/testing-rules.md): parse errors, unknown names.
            let testProblems = try TestFiles.find(in: directory).flatMap { try TestFiles.check(path: $0, ruleSet: ruleSet).1 }
            if !testProblems.isEmpty {
                FileHandle.standardError.write(Data(renderer.render(testProblems).utf8))
                let count = testProblems.count { $0.severity == .error }
                if count > 0 {
                    FileHandle.standardError.write(Data("\(count) error\(count == 1 ? "" : "s") in \(directory)/tests\(warnings)\n".utf8))
                    throw ExitCode.failure
                }
            }
            print("\(ruleSet.summary) OK\(warnings)")
        }
    }

    /// Warns, per change to a journey customers are in, how many it affects (`JourneyEdits`),
    /// when the config's store exists; says nothing without a SQLite file, and that the edits were
    /// not counted when a PostgreSQL store cannot be opened.
    private func reportJourneyEdits(config: Config, ruleSet: RuleSet) async {
        let now = Int64(Date().timeIntervalSince1970)
        let counts: [JourneyCounts]
        do {
            switch config.store {
            case .sqlite:
                guard FileManager.default.fileExists(atPath: config.storePath) else { return }
                counts = try CustomerStore(path: config.storePath, currency: config.currency).enrolments.counts(now: now)
            case .postgres(let settings):
                counts = try await root.global.withPostgresStore(settings, currency: config.currency) {
                    try await $0.journeyCounts(now: now)
                }
            }
        } catch let failure as CommandFailure {
            printError("warning: journey edits not counted: \(failure.message)")
            return
        } catch {
            printError("warning: journey edits not counted: \(error)")
            return
        }
        for line in JourneyEdits.describe(against: ruleSet, counts: counts) {
            printError("warning: \(line)")
        }
    }

    /// The config named by `--config`; without one, `check` still runs on the defaults when the
    /// default `config.json` does not exist.
    private func loadConfig() throws -> Config {
        try Self.configOrDefaults(root.global)
    }

    /// The config named by `--config`, or the defaults when it is the default and missing.
    static func configOrDefaults(_ global: GlobalOptions) throws -> Config {
        let path = global.config
        if path == "config.json" && !FileManager.default.fileExists(atPath: path) {
            printError("no config.json here; checking with the default configuration")
            return Config.defaults()
        }
        return try global.loadConfigAnyStore()
    }
}
