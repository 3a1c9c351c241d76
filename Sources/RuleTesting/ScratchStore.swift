import CustomerStore
import Foundation

/// A test's own store: a new SQLite file in a temporary folder (the store runs in WAL mode with a
/// connection pool, which an in-memory database cannot), fed through the real import from JSON
/// Lines files, and removed with its folder afterwards.
final class ScratchStore {
    let directory: URL
    let store: CustomerStore

    init(currency: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            store = try CustomerStore(path: directory.appendingPathComponent("store.sqlite").path, currency: currency)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Imports `records` as one atomic file of `kind`; a bad row fails with every problem found.
    func load(_ kind: ImportKind, _ records: [[String: String]]) throws {
        guard !records.isEmpty else { return }
        let file = directory.appendingPathComponent("\(kind.rawValue).jsonl")
        var text = ""
        for record in records {
            text += String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var importer = Importer(store: store, timeZone: TimeZone(identifier: "UTC")!)
        var problems: [String] = []
        importer.onProblem = { problems.append($0.message) }
        do {
            _ = try importer.run(kind, path: file.path)
        } catch {
            throw ScratchStoreError(description: "import of the test's \(kind.rawValue) failed: \(problems.first ?? "\(error)")")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

struct ScratchStoreError: Error, CustomStringConvertible {
    let description: String
}
