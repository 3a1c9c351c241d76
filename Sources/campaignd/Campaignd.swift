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
            StoreCommand.self,
        ])

    @OptionGroup var global: GlobalOptions
}

/// Options every command accepts, given before the command name: `campaignd --config FILE import …`.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "config.json"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    /// Loads and validates the config file for `command`, which opens the store: only a SQLite
    /// store serves it so far, so a PostgreSQL store ends it with one line saying so.
    func loadConfig(for command: String) throws -> Config {
        let loaded = try loadConfigAnyStore()
        try Self.requireSQLite(loaded, for: command)
        return loaded
    }

    /// Loads and validates the config file, whichever its store (for commands that never open
    /// the config's store, and `store copy`), or ends the command with its problems.
    func loadConfigAnyStore() throws -> Config {
        do {
            return try Config.load(path: config)
        } catch {
            throw CommandFailure(error.description, hint: "see config.example.json for every key and its default")
        }
    }

    /// Ends `command` when the config's store is PostgreSQL, which only some commands use yet (issue 18).
    static func requireSQLite(_ config: Config, for command: String) throws {
        guard case .postgres(let settings) = config.store else { return }
        throw CommandFailure(
            "`\(command)` does not run on a PostgreSQL store yet (the config's store is \(settings.description))",
            hint: "point \"store\" at the SQLite file to run it; on PostgreSQL run so far: import (every kind, coupons included), forget, check, status, coupons, log, journeys, plan and explain (rules), run and run --once (rules), unsubscribe, report, reset-winner, store copy")
    }

    /// A logger writing to stderr (for the journal) at the chosen level.
    func makeLogger(label: String = "campaignd") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
