import ArgumentParser
import CampaignConfig
import Delivery
import Foundation
import RuleLanguage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `campaignd check`: validate the config, every rule file and every template a rule names.
///
/// Diagnostics go to stderr (in colour only on a terminal); a clean run prints
/// `N rules, M segments OK` and exits 0, any error exits 1.
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
            let directory = Self.relativeToCurrentDirectory(rules ?? config.rulesDirectory)
            let environment = Self.environment(config: config)
            let result: CheckResult
            do {
                result = try RuleSetLoader.load(directory: directory, environment: environment)
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
            let problems = Self.templateAndChannelProblems(config: config, rules: ruleSet)
            if !problems.isEmpty {
                FileHandle.standardError.write(Data(problems.map { $0 + "\n" }.joined().utf8))
                let errors = "\(problems.count) error\(problems.count == 1 ? "" : "s")"
                FileHandle.standardError.write(Data("\(errors) in templates and channels\(warnings)\n".utf8))
                throw ExitCode.failure
            }
            print("\(ruleSet.rules.count) rules, \(ruleSet.segments.count) segments OK\(warnings)")
        }
    }

    /// Every template a rule names, parsed and rendered against a sample context (unknown
    /// variables with file:line), then the channels set up as the daemon would (live settings,
    /// secret files): one line per problem.
    static func templateAndChannelProblems(config: Config, rules: RuleSet) -> [String] {
        let templates = TemplateSet(directory: relativeToCurrentDirectory(config.templatesDirectory))
        var seen: Set<String> = []
        var lines: [String] = []
        for rule in rules.rules {
            for problem in templates.check(channel: rule.channel, name: rule.target, rule: rule.name) {
                let line = "\(problem.location): error: \(problem.message)"
                if seen.insert(line).inserted { lines.append(line) }
            }
        }
        let email = config.channels.email.settings
        if rules.rules.contains(where: { $0.channel == .email }) && (email["unsubscribe_url"] == nil || email["unsubscribe_secret_file"] == nil) {
            lines.append("config: error: rules send marketing email, which needs 'channels.email.unsubscribe_url' and 'unsubscribe_secret_file' (List-Unsubscribe)")
        }
        do {
            _ = try ChannelSet.make(config: config, templates: templates)
        } catch {
            lines += error.problems.map { "config: error: \($0)" }
        }
        return lines
    }

    /// The config named by `--config`; without one, `check` still runs on the defaults when the
    /// default `config.json` does not exist.
    private func loadConfig() throws -> Config {
        let path = root.global.config
        if path == "config.json" && !FileManager.default.fileExists(atPath: path) {
            printError("no config.json here; checking with the default configuration")
            return Config.defaults()
        }
        return try root.global.loadConfig()
    }

    /// `rules` for `/current/dir/rules`, so diagnostics name files the way the user would.
    static func relativeToCurrentDirectory(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath
        return path.hasPrefix(current + "/") ? String(path.dropFirst(current.count + 1)) : path
    }

    /// Which templates and webhook endpoints exist, for the rule checker.
    ///
    /// An email template needs both `NAME.subject.mustache` and `NAME.text.mustache`; a letter
    /// needs `NAME.html.mustache`; webhook endpoints come from `channels.webhook.endpoints`.
    static func environment(config: Config) -> CheckEnvironment {
        let templates = config.templatesDirectory
        func names(in folder: String, ending suffix: String) -> Set<String> {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: templates + "/" + folder)) ?? []
            return Set(files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) })
        }
        let email = names(in: "email", ending: ".subject.mustache")
            .intersection(names(in: "email", ending: ".text.mustache"))
        return CheckEnvironment(
            emailTemplates: email,
            letterTemplates: names(in: "letter", ending: ".html.mustache"),
            webhookEndpoints: Set(config.channels.webhookEndpoints.keys),
            templatesDirectory: relativeToCurrentDirectory(templates))
    }
}
