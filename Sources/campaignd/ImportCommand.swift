import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation

/// `campaignd import KIND FILE`: loads customers, purchases, events, feedback or consents.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV or JSON Lines file into the customer store.",
        discussion: """
            KIND is customers, purchases, events, feedback or consents. Rows are upserts, so importing a
            file twice changes nothing. The import is atomic: one bad row and nothing is written, and every
            bad row is reported as FILE:LINE:COLUMN: message. --skip-invalid writes the good rows.
            """)

    @ParentCommand var root: Campaignd

    @Argument(help: "What the file holds: customers, purchases, events, feedback or consents.")
    var kind: ImportKind

    @Argument(help: "The CSV (with a header row) or JSON Lines file.")
    var file: String

    @Flag(help: "Import the good rows and report each bad one, instead of importing nothing.")
    var skipInvalid = false

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfig()
            let store = try CustomerStore(path: config.storePath, currency: config.currency, logger: root.global.makeLogger())
            var importer = Importer(store: store, timeZone: config.timeZone)
            importer.skipInvalid = skipInvalid
            importer.onProblem = { problem in FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            let started = Date()
            importer.onProgress = { progress in
                let percent = progress.fileSize > 0 ? " (\(progress.bytesRead * 100 / progress.fileSize) %)" : ""
                FileHandle.standardError.write(Data("\(file): \(progress.rows) rows\(percent)\n".utf8))
            }
            let summary: ImportSummary
            do {
                summary = try importer.run(kind, path: file)
            } catch let problem as ImportProblem {
                throw CommandFailure(problem.description)
            }
            let seconds = Date().timeIntervalSince(started)
            print("\(file): \(summary.rows) \(kind.rawValue) rows: \(summary.written) written, \(summary.unchanged) unchanged, \(summary.invalid) invalid (\(String(format: "%.1f", seconds)) s)")
        }
    }
}

extension ImportKind: ExpressibleByArgument {}
