import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd import KIND FILE`: loads customers, purchases, events, feedback or consents.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV or JSON Lines file into the customer store.",
        discussion: """
            KIND is customers, purchases, events, feedback or consents. Rows are upserts, so importing a
            file twice changes nothing. The import is atomic: one bad row and nothing is written, and every
            bad row is reported as FILE:LINE:COLUMN: message. --skip-invalid writes the good rows.
            A first import (or one larger than what the store holds of that kind) goes the bulk way:
            facts and indexes are built once at the end, in the same transaction (--load).
            Coupon codes go into a pool with 'import coupons POOL FILE': CSV code[,expires] with or without
            a header, or one code a line. Atomic and idempotent; a code already in another pool is refused.
            """)

    @ParentCommand var root: Campaignd

    @Argument(help: "What the file holds: customers, purchases, events, feedback, consents, or coupons.")
    var kind: ImportTarget

    @Argument(help: "The CSV (with a header row) or JSON Lines file; for coupons, the pool name.")
    var file: String

    @Argument(help: "For coupons: the file of codes.")
    var couponFile: String?

    @Flag(help: "Import the good rows and report each bad one, instead of importing nothing.")
    var skipInvalid = false

    @Option(help: "How rows are written: automatic (bulk into an empty table or one smaller than the file), incremental, or bulk.")
    var load: ImportPath = .automatic

    func run() async throws {
        guard case .rows(let kind) = kind else { return try await importCoupons(pool: file) }
        try await failingCleanly {
            if let couponFile {
                throw CommandFailure("unexpected argument '\(couponFile)'", hint: "campaignd import \(kind.rawValue) FILE")
            }
            let config = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = config.store {
                return try await importIntoPostgres(kind, settings: settings, config: config)
            }
            let store = try CustomerStore(path: config.storePath, currency: config.currency, logger: root.global.makeLogger())
            var importer = Importer(store: store, timeZone: config.timeZone)
            importer.skipInvalid = skipInvalid
            importer.loadPath = load
            importer.onProblem = Self.reportProblem
            let started = Date()
            importer.onProgress = Self.reportProgress(of: file)
            let summary: ImportSummary
            do {
                summary = try importer.run(kind, path: file)
            } catch let problem as ImportProblem {
                throw CommandFailure(problem.description)
            } catch {
                throw store.explaining(error, operation: "import \(kind.rawValue) \(file)")
            }
            print(Self.summaryLine(summary, kind: kind, file: file, since: started))
        }
    }

    /// The import into a PostgreSQL store: staged with `COPY`, then upserted (`PostgresImporter`).
    private func importIntoPostgres(_ kind: ImportKind, settings: PostgresSettings, config: Config) async throws {
        guard load == .automatic else {
            throw CommandFailure(
                "--load \(load.rawValue) applies to a SQLite store; on PostgreSQL every import is staged with COPY and upserted",
                hint: "leave out --load")
        }
        try await root.global.withPostgresStore(settings, currency: config.currency) { store in
            var importer = PostgresImporter(store: store, timeZone: config.timeZone)
            importer.skipInvalid = skipInvalid
            importer.onProblem = Self.reportProblem
            importer.onProgress = Self.reportProgress(of: file)
            let started = Date()
            let summary: ImportSummary
            do {
                summary = try await importer.run(kind, path: file)
            } catch let problem as ImportProblem {
                throw CommandFailure(problem.description)
            } catch let failed as ImportFailed {
                throw CommandFailure(failed.description)
            }
            print(Self.summaryLine(summary, kind: kind, file: file, since: started))
        }
    }

    /// Each bad row on stderr as it is found, `FILE:LINE:COLUMN: message`.
    private static let reportProblem: @Sendable (ImportProblem) -> Void = { problem in
        FileHandle.standardError.write(Data("\(problem)\n".utf8))
    }

    /// Progress on stderr every few seconds: rows read and how far into the file.
    private static func reportProgress(of file: String) -> @Sendable (ImportProgress) -> Void {
        { progress in
            let percent = progress.fileSize > 0 ? " (\(progress.bytesRead * 100 / progress.fileSize) %)" : ""
            FileHandle.standardError.write(Data("\(file): \(progress.rows) rows\(percent)\n".utf8))
        }
    }

    /// The line printed after an import, on either store.
    private static func summaryLine(_ summary: ImportSummary, kind: ImportKind, file: String, since started: Date) -> String {
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        return "\(file): \(summary.rows) \(kind.rawValue) rows: \(summary.written) written, \(summary.unchanged) unchanged, \(summary.invalid) invalid (\(seconds) s)"
    }

    /// `import coupons POOL FILE`.
    private func importCoupons(pool: String) async throws {
        try await failingCleanly {
            guard let couponFile, !skipInvalid else {
                throw CommandFailure(
                    couponFile == nil ? "import coupons needs a pool and a file" : "--skip-invalid does not apply to coupons",
                    hint: "campaignd import coupons POOL FILE")
            }
            let config = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = config.store {
                let summary = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    do {
                        return try await store.importCoupons(
                            pool: pool, path: couponFile, timeZone: config.timeZone, now: Int64(Date().timeIntervalSince1970))
                    } catch let problem as CouponImportError {
                        throw CommandFailure(problem.description)
                    }
                }
                print("\(couponFile): \(summary.codes) codes for pool \(pool): \(summary.written) written, \(summary.unchanged) unchanged")
                return
            }
            let store = try CustomerStore(path: config.storePath, currency: config.currency, logger: root.global.makeLogger())
            let summary: CouponImportSummary
            do {
                summary = try store.importCoupons(
                    pool: pool, path: couponFile, timeZone: config.timeZone, now: Int64(Date().timeIntervalSince1970))
            } catch let problem as CouponImportError {
                throw CommandFailure(problem.description)
            } catch {
                throw store.explaining(error, operation: "import coupons \(pool) \(couponFile)")
            }
            print("\(couponFile): \(summary.codes) codes for pool \(pool): \(summary.written) written, \(summary.unchanged) unchanged")
        }
    }
}

extension ImportPath: ExpressibleByArgument {}

/// What `import` loads: rows of one kind, or coupon codes into a pool.
enum ImportTarget: ExpressibleByArgument {
    case rows(ImportKind)
    case coupons

    init?(argument: String) {
        if argument == "coupons" {
            self = .coupons
        } else if let kind = ImportKind(rawValue: argument) {
            self = .rows(kind)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ImportKind.allCases.map(\.rawValue) + ["coupons"] }
}
