import ArgumentParser
import CampaignConfig
import Foundation
import Logging

/// The `campaignd` command: a rule-based customer-lifecycle campaign daemon.
@main
struct Campaignd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaignd",
        abstract: "Rule-based customer-lifecycle campaigns over a SQLite customer store.",
        version: Version.line,
        subcommands: [
            ImportCommand.self,
            StatusCommand.self,
            GenerateCommand.self,
            CheckCommand.self,
            FormatCommand.self,
            TestCommand.self,
            LspCommand.self,
            PlanCommand.self,
            ExplainCommand.self,
            ResetWinnerCommand.self,
            RunCommand.self,
            LogCommand.self,
            JourneysCommand.self,
            CouponsCommand.self,
            ReportCommand.self,
            UnsubscribeCommand.self,
            ForgetCommand.self,
        ])

    @OptionGroup var global: GlobalOptions
}

/// Options every command accepts, given before the command name: `campaignd --config FILE import …`.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "config.json"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    /// Loads and validates the config file, or ends the command with its problems.
    func loadConfig() throws -> Config {
        do {
            return try Config.load(path: config)
        } catch {
            throw CommandFailure(error.description, hint: "see config.example.json for every key and its default")
        }
    }

    /// A logger writing to stderr (for the journal) at the chosen level.
    func makeLogger(label: String = "campaignd") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
