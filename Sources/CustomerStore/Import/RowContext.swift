import Foundation
import GRDB

/// What preparing a row needs: the file name for problems, the store currency, time parsing.
/// Preparing never touches the database, so it runs on the reader thread.
struct PrepareContext {
    let file: String
    let currency: String
    var timestamps: TimestampParser
    /// `import:` and the file's last path component: where a row came from when it does not say.
    let importSource: String
    private var knownZones: [String: Bool] = [:]
    /// The last columns seen and what `layout` made of them (a CSV file's rows share one array,
    /// which compares equal at once).
    private var lastLayout: (names: [String], layout: (canonical: [String], extra: [String]))?

    init(file: String, currency: String, timeZone: TimeZone) {
        self.file = file
        self.currency = currency
        timestamps = TimestampParser(timeZone: timeZone)
        importSource = "import:\(file.split(separator: "/").last ?? "")"
    }

    func problem(_ record: ImportRecord, _ column: String, _ message: String) -> ImportProblem {
        ImportProblem(file: file, line: record.line, column: record.column(column), message: message)
    }

    /// A required value, trimmed, or a problem naming the column.
    func required(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> String {
        guard let value = record.value(column)?.trimmingSpaces, !value.isEmpty else {
            throw problem(record, column, "missing value for '\(column)'")
        }
        return value
    }

    /// A required single-line value: no CR, LF, NUL or other control characters.
    func requiredLine(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> String {
        let value = try required(record, column)
        try checkLine(value, record, column)
        return value
    }

    /// An optional single-line value, trimmed; nil when empty.
    func singleLine(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> String? {
        guard let value = record.value(column)?.trimmingSpaces, !value.isEmpty else { return nil }
        try checkLine(value, record, column)
        return value
    }

    /// A single-line value holds no CR, LF, NUL or other control character and is not too long.
    private func checkLine(_ value: String, _ record: ImportRecord, _ column: String) throws(ImportProblem) {
        if FieldParsers.hasControlCharacter(value) {
            throw problem(record, column, "'\(column)' contains a line break or control character")
        }
        if value.utf8.count > FieldParsers.maximumLineBytes {
            throw problem(record, column, "'\(column)' is longer than \(FieldParsers.maximumLineBytes) bytes")
        }
    }

    /// Unix seconds of a required ISO 8601 value.
    mutating func timestamp(_ record: ImportRecord, _ column: String) throws(ImportProblem) -> Int64 {
        let text = try required(record, column)
        guard let seconds = timestamps.seconds(text) else {
            throw problem(record, column, "invalid date '\(text)' in '\(column)'; expected ISO 8601 like 2025-06-30 or 2025-06-30T14:05:00+03:00")
        }
        return seconds
    }

    /// `layout(names)`, made once per distinct set of columns in a row.
    mutating func layout(of names: [String], _ layout: ([String]) -> (canonical: [String], extra: [String])) -> (canonical: [String], extra: [String]) {
        if let last = lastLayout, last.names == names { return last.layout }
        let made = layout(names)
        lastLayout = (names, made)
        return made
    }

    /// Whether `name` is an IANA time zone (cached: looking one up is slow).
    mutating func isTimeZone(_ name: String) -> Bool {
        if let known = knownZones[name] { return known }
        let known = TimeZone(identifier: name) != nil
        knownZones[name] = known
        return known
    }
}

/// One kind of import row: how a record is checked and converted (on the reader thread), and how
/// the result is written (on the database thread).
protocol RowWriter: SendableMetatype {
    associatedtype Row: Sendable

    /// Validates and converts `record`; no database access.
    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row

    /// Prepares statements for rows with the given columns; rows that name a customer find its
    /// id through `customers`.
    init(db: Database, columns: [String], customers: CustomerIDs) throws

    /// Upserts one prepared row; returns whether the store changed.
    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool

    /// Upserts many rows in one statement when the writer can and every row is good; returns
    /// how many changed the store, or nil to have each row written (and checked) one by one.
    /// An error thrown here ends the import, with nothing written.
    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int?

    /// How many rows `writeBatch` takes at once (1: it takes none).
    static var batchSize: Int { get }

    /// For kinds imported in bulk: the key rows may be reordered by (rows of one customer
    /// together, so each index and facts page is touched once per chunk rather than once per
    /// row) and the row's own unique key (so that, of two rows for one key in a chunk, only the
    /// later is kept, as writing them in file order would leave it). Nil: keep file order.
    static func ordering(_ row: Row) -> (group: String, key: String)?
}

extension RowWriter {
    mutating func writeBatch(_ rows: ArraySlice<Row>) throws -> Int? { nil }
    static var batchSize: Int { 1 }
    static func ordering(_ row: Row) -> (group: String, key: String)? { nil }
}

extension ImportProblem {
    init(_ file: String, _ record: ImportRecord, _ column: String, _ message: String) {
        self.init(file: file, line: record.line, column: record.column(column), message: message)
    }

    /// A row the store would not take because of `cause`; notes when the disk refused it.
    init(_ file: String, _ record: ImportRecord, _ column: String, _ message: String, cause: any Error) {
        self.init(file, record, column, message)
        diskProblem = StoreError.diskProblem(of: cause)
    }
}
