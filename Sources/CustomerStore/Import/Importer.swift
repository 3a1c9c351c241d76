import Foundation
import GRDB

/// Imports a CSV or JSON Lines file of one kind into the store.
///
/// Atomic by default: the whole file is one transaction, and one bad row means nothing is written
/// (every bad row is still reported). With `skipInvalid`, good rows are written and each bad one
/// is reported. Rows are upserts, so importing the same file twice changes nothing the second time.
public struct Importer {
    public let store: CustomerStore
    public var timeZone: TimeZone
    public var skipInvalid = false
    /// Called for each bad row, as it is found.
    public var onProblem: (ImportProblem) -> Void = { _ in }
    /// Called about once a second during long imports.
    public var onProgress: (ImportProgress) -> Void = { _ in }

    public init(store: CustomerStore, timeZone: TimeZone) {
        self.store = store
        self.timeZone = timeZone
    }

    /// Imports `path` as `kind`; JSON Lines when the name ends in `.jsonl`/`.ndjson` or the file
    /// starts with `{`, CSV otherwise.
    ///
    /// - Throws: `ImportProblem` when the file as a whole is unusable (missing, no header, a required
    ///   column missing), `ImportFailed` when an atomic import found bad rows.
    public func run(_ kind: ImportKind, path: String) throws -> ImportSummary {
        let source = try RecordReaders.open(path: path)
        if let header = source.header { try Self.checkHeader(header, kind: kind, path: path) }
        var summary = ImportSummary()
        var lastProgress = Date()
        let writeRows = { (db: Database) throws -> Void in
            var context = try RowContext(db: db, file: path, currency: store.currency, timeZone: timeZone)
            // One writer per distinct set of columns: a CSV file has one, JSON Lines rows may differ.
            var writers: [[String]: any RowWriter] = [:]
            while true {
                do {
                    guard let record = try source.next() else { break }
                    if source.header == nil { try Self.checkFields(record, kind: kind, path: path) }
                    var writer = try writers[record.names] ?? Self.makeWriter(kind, db: db, columns: record.names)
                    let changed = try writer.write(record, db: db, context: &context)
                    writers[record.names] = writer
                    if changed { summary.written += 1 } else { summary.unchanged += 1 }
                } catch let problem as ImportProblem {
                    summary.invalid += 1
                    onProblem(problem)
                    if RecordReaders.isFatal(problem) { break }
                }
                summary.rows = summary.written + summary.unchanged + summary.invalid
                if summary.rows & 0xFFFF == 0, Date().timeIntervalSince(lastProgress) >= 1 {
                    lastProgress = Date()
                    onProgress(ImportProgress(rows: summary.rows, bytesRead: source.offset, fileSize: source.fileSize))
                }
            }
            if summary.invalid > 0 && !skipInvalid {
                throw ImportFailed(file: path, invalidRows: summary.invalid)
            }
        }
        try store.database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try writeRows(db)
                return .commit
            }
        }
        return summary
    }

    private static func makeWriter(_ kind: ImportKind, db: Database, columns: [String]) throws -> any RowWriter {
        switch kind {
        case .customers: try CustomerRowWriter(db: db, columns: columns)
        case .purchases: try PurchaseRowWriter(db: db, columns: columns)
        case .events: try EventRowWriter(db: db, columns: columns)
        case .feedback: try FeedbackRowWriter(db: db, columns: columns)
        case .consents: try ConsentRowWriter(db: db, columns: columns)
        }
    }

    /// A CSV header must hold every required column, and no unknown ones where those are not kept.
    static func checkHeader(_ header: [String], kind: ImportKind, path: String) throws {
        let known = kind.requiredColumns + kind.optionalColumns
        for required in kind.requiredColumns where !header.contains(required) {
            throw ImportProblem(file: path, line: 1, column: 1,
                                message: "missing required column '\(required)' for \(kind.rawValue) (expected \(known.joined(separator: ",")))")
        }
        if !kind.keepsExtraColumns, let unknown = header.first(where: { !known.contains($0) }) {
            let index = header.firstIndex(of: unknown)!
            let column = header[..<index].reduce(1) { $0 + $1.count + 1 }
            throw ImportProblem(file: path, line: 1, column: column,
                                message: "unknown column '\(unknown)' for \(kind.rawValue)\(suggestion(unknown, in: known))")
        }
    }

    /// A JSON Lines row must hold every required field, and no unknown ones where those are not kept.
    static func checkFields(_ record: ImportRecord, kind: ImportKind, path: String) throws {
        let known = kind.requiredColumns + kind.optionalColumns
        for required in kind.requiredColumns where record.value(required) == nil {
            throw ImportProblem(file: path, line: record.line, column: 1, message: "missing required field '\(required)'")
        }
        if !kind.keepsExtraColumns, let unknown = record.names.first(where: { !known.contains($0) }) {
            throw ImportProblem(file: path, line: record.line, column: record.column(unknown),
                                message: "unknown field '\(unknown)' for \(kind.rawValue)\(suggestion(unknown, in: known))")
        }
    }

    private static func suggestion(_ name: String, in known: [String]) -> String {
        guard let best = known.min(by: { distance($0, name) < distance($1, name) }), distance(best, name) <= 2 else { return "" }
        return " (did you mean '\(best)'?)"
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in a.indices {
            var previous = row[0]
            row[0] = i + 1
            for j in b.indices {
                let saved = row[j + 1]
                row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (a[i] == b[j] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
}

/// The rows of a CSV or JSON Lines file.
protocol RecordReader: AnyObject {
    /// The header row (CSV), or nil when each record names its own fields (JSON Lines).
    var header: [String]? { get }
    var offset: Int { get }
    var fileSize: Int { get }
    /// The next record; throws an `ImportProblem` for a malformed one and resumes after it on the next call.
    func next() throws -> ImportRecord?
}

enum RecordReaders {
    /// JSON Lines when the name ends in `.jsonl`/`.ndjson` or the file starts with `{`, CSV otherwise.
    static func open(path: String) throws -> any RecordReader {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || (!lower.hasSuffix(".csv") && startsWithBrace(path)) {
            return try JSONLinesReader(path: path)
        }
        return try CSVReader(path: path)
    }

    private static func startsWithBrace(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.read(upToCount: 64) else { return false }
        let blank: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF]
        return data.first { !blank.contains($0) } == UInt8(ascii: "{")
    }

    /// An unterminated quote swallows the rest of the file, so nothing after it can be trusted.
    static func isFatal(_ problem: ImportProblem) -> Bool { problem.message == "unterminated quoted value" }
}
