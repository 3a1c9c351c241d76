@testable import CustomerStore
import Foundation
import GRDB
import PostgresStore

/// A fresh store in a temporary directory, with helpers to write import files beside it.
struct TestStore {
    let directory: String
    let store: CustomerStore
    /// The store the `on:` methods use instead of `store`, for a test on PostgreSQL
    /// (TestStore+Postgres.swift).
    var postgres: PostgresStore?
    static let helsinki = TimeZone(identifier: "Europe/Helsinki")!

    init(currency: String = "EUR") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try CustomerStore(path: "\(directory)/store.sqlite", currency: currency)
    }

    /// Writes `text` to a file named `name` in the test directory and returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes raw bytes to a file and returns its path.
    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let path = "\(directory)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Imports a file, returning the summary and every problem reported.
    @discardableResult
    func importFile(_ kind: ImportKind, _ path: String, skipInvalid: Bool = false, loadPath: ImportPath = .automatic,
                    factsRebuildRange: Int = BulkLoad.rebuildRange) throws -> (ImportSummary, [ImportProblem]) {
        var importer = Importer(store: store, timeZone: Self.helsinki)
        importer.skipInvalid = skipInvalid
        importer.loadPath = loadPath
        importer.factsRebuildRange = factsRebuildRange
        let collected = ProblemBox()
        importer.onProblem = { collected.items.append($0) }
        let summary = try importer.run(kind, path: path)
        return (summary, collected.items)
    }

    /// Imports a file that must fail atomically; returns the problems reported.
    func failingImport(_ kind: ImportKind, _ path: String, loadPath: ImportPath = .automatic) -> (Error?, [ImportProblem]) {
        var importer = Importer(store: store, timeZone: Self.helsinki)
        importer.loadPath = loadPath
        let collected = ProblemBox()
        importer.onProblem = { collected.items.append($0) }
        do {
            _ = try importer.run(kind, path: path)
            return (nil, collected.items)
        } catch {
            return (error, collected.items)
        }
    }

    func int(_ sql: String, _ arguments: StatementArguments = []) throws -> Int? {
        try store.database.read { try Int.fetchOne($0, sql: sql, arguments: arguments) }
    }

    func string(_ sql: String, _ arguments: StatementArguments = []) throws -> String? {
        try store.database.read { try String.fetchOne($0, sql: sql, arguments: arguments) }
    }

    /// The facts row of a customer, by external id.
    func facts(_ externalID: String) throws -> Row? {
        try store.database.read {
            try Row.fetchOne($0, sql: """
                SELECT f.* FROM customer_facts f JOIN customer c ON c.id = f.customer_id WHERE c.external_id = ?
                """, arguments: [externalID])
        }
    }

    /// Every table's row count, to compare store states.
    func counts() throws -> [String: Int] {
        var result: [String: Int] = [:]
        for table in ["customer", "customer_tag", "purchase", "event", "feedback", "consent", "suppression", "customer_facts", "customer_event_facts"] {
            result[table] = try int("SELECT count(*) FROM \(table)")
        }
        return result
    }
}

final class ProblemBox: @unchecked Sendable {
    var items: [ImportProblem] = []
}

/// Unix seconds of a UTC date-time, for expectations.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Int64 {
    Int64(SyntheticData.daysSinceEpoch(year: year, month: month, day: day)) * 86400 + Int64(hour * 3600 + minute * 60)
}
