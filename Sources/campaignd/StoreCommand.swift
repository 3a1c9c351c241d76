import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd store`: moving the customer store between backends.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the customer store: copy the SQLite store into PostgreSQL.",
        subcommands: [StoreCopyCommand.self])
}

/// `campaignd store copy --to postgres://…`: the config's SQLite store into an empty PostgreSQL
/// database, verified (`SQLiteToPostgresCopy`: one transaction, rows per table and the facts
/// totals compared before committing).
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the config's SQLite store into an empty PostgreSQL database, verified.",
        discussion: """
            The target's migrations run first; a target holding any customer, history or send-log row is
            refused. Everything is copied in one transaction and committed only when every table's row
            count and the per-customer facts totals match the SQLite store; the SQLite store is only read.
            The URL is postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|require|verify-full&sslrootcert=FILE];
            a password comes from --password-file, never the URL.
            """)

    @ParentCommand var root: Campaignd

    @Option(help: "The PostgreSQL database: postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…].")
    var to: String

    @Option(help: "A file holding the PostgreSQL password, or credential:NAME ($CREDENTIALS_DIRECTORY/NAME).")
    var passwordFile: String?

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            guard case .sqlite(let sourcePath) = config.store else {
                throw CommandFailure(
                    "store copy reads a SQLite store, and the config's store is \(config.store.description)",
                    hint: "run it with the config whose \"store\" is the SQLite file")
            }
            let settings: PostgresSettings
            do {
                settings = try PostgresSettings(url: to)
            } catch let error as PostgresSettings.Problem {
                throw CommandFailure("--to URL \(error.message)", hint: error.hint)
            }
            var withPassword = settings
            withPassword.passwordFile = passwordFile
            let location = try PostgresStore.Location(withPassword, passwordKey: "--password-file")
            guard FileManager.default.fileExists(atPath: sourcePath) else {
                throw CommandFailure("no store at \(sourcePath)", hint: "check the \"store\" key of the config")
            }
            let source = try CustomerStore(path: sourcePath, currency: config.currency)
            let report: SQLiteToPostgresCopy.Report
            do {
                let target = try await PostgresStore(location, currency: config.currency, logger: root.global.makeLogger())
                do {
                    report = try await SQLiteToPostgresCopy(from: source, to: target).run()
                } catch {
                    await target.close()
                    throw error
                }
                await target.close()
            } catch let error as PostgresStoreError {
                throw CommandFailure(error.description, hint: error.hint)
            }
            print("copied \(sourcePath) to \(settings.description)")
            let width = StoreExport.copiedTables.map(\.count).max() ?? 0
            for table in StoreExport.copiedTables {
                let name = table.padding(toLength: width, withPad: " ", startingAt: 0)
                print("  \(name)  \(report.rows[table] ?? 0)")
            }
            print("verified: every table's rows and the per-customer facts totals match the SQLite store")
        }
    }
}
