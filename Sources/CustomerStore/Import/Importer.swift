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
    /// Incremental or bulk; `automatic` goes bulk for a first or an outsized import.
    public var loadPath: ImportPath = .automatic
    /// Customers per statement of the bulk path's facts rebuild (`BulkLoad.rebuildRange`; tests
    /// make it small to cross many ranges).
    var factsRebuildRange = BulkLoad.rebuildRange
    /// Called for each bad row, as it is found.
    public var onProblem: (ImportProblem) -> Void = { _ in }
    /// Called every 5 seconds or so during long imports.
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
    ///   A write the disk refuses (full, read-only) is `StoreError.writeRefused`, never a bad row.
    public func run(_ kind: ImportKind, path: String) throws -> ImportSummary {
        let source = try RecordReaders.open(path: path)
        if let header = source.header { try Self.checkHeader(header, kind: kind, path: path) }
        do {
            return switch kind {
            case .customers: try run(CustomerRowWriter.self, kind: kind, source: source, path: path)
            case .purchases: try run(PurchaseRowWriter.self, kind: kind, source: source, path: path)
            case .events: try run(EventRowWriter.self, kind: kind, source: source, path: path)
            case .feedback: try run(FeedbackRowWriter.self, kind: kind, source: source, path: path)
            case .consents: try run(ConsentRowWriter.self, kind: kind, source: source, path: path)
            }
        } catch {
            throw StoreError.explaining(error, path: store.path, operation: "import \(kind.rawValue) \(path)")
        }
    }

    /// Page cache for an import connection, in KiB (10 M purchases peaked at 470 MB RSS in all).
    static let importCacheKiB = 327_680
    /// Page cache for a bulk import, in KiB: it updates no facts row or index at random, so the
    /// customer lookups and the tails of the tables and unique indexes are what it keeps warm.
    /// With statement journals in memory (below), 64 MiB took 10 M purchases to a peak RSS of
    /// 294 MB during the index build; 32 MiB peaks at 171–208 MB and loads no slower.
    static let bulkCacheKiB = 32_768

    /// Reads and prepares rows on a second thread while this one writes them, in one transaction.
    private func run<Writer: RowWriter>(_: Writer.Type, kind: ImportKind, source: any RecordReader, path: String) throws -> ImportSummary {
        let queue = BoundedQueue<ImportBatch<Writer.Row>>(capacity: Self.queuedBatches)
        let reader = Thread { [source = UncheckedSendable(source), currency = store.currency, timeZone] in
            Self.readAll(source.value, kind: kind, into: queue, context: PrepareContext(file: path, currency: currency, timeZone: timeZone),
                         prepare: Writer.prepare, ordering: Writer.ordering)
        }
        reader.stackSize = 8 << 20
        reader.start()
        defer { queue.cancel() }
        // Written batches are freed on a third thread: freeing 10 M rows (each record's values)
        // cost the writer, which sets the pace, some 5 % of its time.
        let disposal = BoundedQueue<ImportBatch<Writer.Row>>(capacity: 16)
        Thread { while disposal.pop() != nil {} }.start()
        defer { disposal.close() }

        var summary = ImportSummary()
        var lastProgress = Date()
        try store.database.writeWithoutTransaction { db in
            // A large page cache (320 MiB) keeps the randomly updated pages (facts, the per-customer purchase
            // index) in memory, so a big import does not spill them to the WAL over and over.
            defer { try? db.execute(sql: "PRAGMA cache_size = -2000") }
            // The transaction begins with the store's in-memory temporary storage, so SQLite keeps
            // its statement journals in memory for the whole transaction (decided when a write
            // transaction begins). It keeps one for every batch: foreign keys and the `typeof()` in
            // the CHECK constraints make any multi-row write one that may abort halfway, `OR
            // ROLLBACK` or not. On temporary files each batch wrote every page it touched twice
            // more (4-byte number, then the page): 1.2 GB of `pwrite`s for 1M purchases.
            // `BulkLoad.finish` switches to files before its index builds (see there).
            defer { try? db.execute(sql: "PRAGMA temp_store = MEMORY") }
            // Without SQLite's foreign-key checks (one lookup of the customer per row written, a
            // fifth of a 10 M purchase load with its page reads): every customer id an import
            // writes was read from the customer table in this transaction (`CustomerIDs`, the
            // writers' own lookups, an insert's row id), which no other writer can enter, and an
            // import deletes no customer. Set outside the transaction: SQLite ignores it inside.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
            try db.inTransaction(.immediate) {
                // Decided and set up inside the transaction: a failure anywhere rolls the set-aside
                // triggers and indexes back with the rows.
                let bulk = try BulkLoad.applies(loadPath, kind: kind, fileSize: source.fileSize, db: db) ? BulkLoad.begin(kind, db: db) : nil
                summary.bulk = bulk != nil
                try db.execute(sql: "PRAGMA cache_size = -\(bulk == nil ? Self.importCacheKiB : Self.bulkCacheKiB)")
                // A bulk load reads every customer's id once (for customers: those already there),
                // unless the file has fewer rows than half the customers: at 1M customers reading
                // them took 0.4-0.5 s more than looking up the 234,543 feedback rows' one by one.
                let preload = try bulk != nil && (kind == .customers
                    || source.fileSize / BulkLoad.estimatedBytesPerRow >= CustomerIDs.estimatedCount(db) / 2)
                let customers = try CustomerIDs(db, preloaded: preload)
                // One writer per distinct set of columns: a CSV file has one, JSON Lines rows may differ.
                var writers: [[String]: Writer] = [:]
                var current: Writer?
                var currentNames: [String]?
                while let batch = queue.pop() {
                    summary.unchanged += batch.duplicates
                    // The items in the order to write them (a reordered chunk's sorted positions).
                    let positions = batch.order ?? Array(batch.items.indices)
                    var index = positions.startIndex
                    while index < positions.endIndex {
                        // A run of good rows with the same columns goes to the writer in one statement;
                        // if it will not take them (or anything else comes next), they go one by one.
                        var end = index
                        var run: [Writer.Row] = []
                        let runNames = batch.items[positions[index]].names
                        while end < positions.endIndex, run.count < Writer.batchSize, case .row(let row, let record) = batch.items[positions[end]],
                              record.names == runNames {
                            run.append(row)
                            end += 1
                        }
                        if run.count > 1, let names = runNames {
                            if names != currentNames {
                                if let previous = currentNames, let writer = current { writers[previous] = writer }
                                current = try writers[names] ?? Writer(db: db, columns: names, customers: customers)
                                currentNames = names
                            }
                            let changed = try current!.writeBatch(run[...])
                            if let changed {
                                summary.written += changed
                                summary.unchanged += run.count - changed
                                index = end
                                continue
                            }
                        }
                        for position in positions[index..<max(end, index + 1)] {
                            switch batch.items[position] {
                            case .problem(let problem):
                                summary.invalid += 1
                                onProblem(problem)
                            case .row(let row, let record):
                                do {
                                    if record.names != currentNames {  // same array in a CSV file: no hashing per row
                                        if let names = currentNames, let writer = current { writers[names] = writer }
                                        current = try writers[record.names] ?? Writer(db: db, columns: record.names, customers: customers)
                                        currentNames = record.names
                                    }
                                    let changed = try current!.write(row, record: record, file: path)
                                    if changed { summary.written += 1 } else { summary.unchanged += 1 }
                                } catch let problem as ImportProblem {
                                    if let disk = problem.diskProblem {
                                        throw StoreError.writeRefused(path: store.path, problem: disk, operation: "import \(kind.rawValue) \(path)")
                                    }
                                    // An `OR ROLLBACK` statement that failed has ended the transaction.
                                    guard db.isInsideTransaction else { throw ImportAborted(problem: problem) }
                                    summary.invalid += 1
                                    onProblem(problem)
                                }
                            }
                        }
                        index = max(end, index + 1)
                    }
                    summary.rows = summary.written + summary.unchanged + summary.invalid
                    if Date().timeIntervalSince(lastProgress) >= 5 {
                        lastProgress = Date()
                        onProgress(ImportProgress(rows: summary.rows, bytesRead: batch.offset, fileSize: source.fileSize))
                    }
                    disposal.push(consume batch)
                }
                if summary.invalid > 0 && !skipInvalid {
                    throw ImportFailed(file: path, invalidRows: summary.invalid)
                }
                // The map of customer ids (some 50 MB at 1M customers) is not kept through the index builds.
                customers.dropPreloaded()
                try bulk?.finish(db: db, rebuildRange: factsRebuildRange)
                return .commit
            }
        }
        return summary
    }

    /// Rows a reader thread gathers before reordering them (see `RowWriter.ordering`).
    static let chunkSize = 65_536

    /// Batches (of up to 4,096 rows) queued between the reader and the writer: two chunks, so
    /// the reader reads the next chunk while the writer writes the last one. With 8 (half a
    /// chunk) each thread waited for the other a third of the time.
    static let queuedBatches = 2 * chunkSize / 4096

    /// The reader thread: reads every record, checks and prepares it, and queues it in batches;
    /// for bulk kinds, a chunk's rows are grouped by customer first (problems go out at once).
    private static func readAll<Row>(
        _ source: any RecordReader, kind: ImportKind, into queue: BoundedQueue<ImportBatch<Row>>, context: PrepareContext,
        prepare: (ImportRecord, inout PrepareContext) throws(ImportProblem) -> Row,
        ordering: (Row) -> (group: String, key: String)?
    ) {
        var context = context
        var pending: [ImportItem<Row>] = []
        /// For a reordered kind, each pending row's `ordering` key (so sorting touches no item).
        var keys: [(group: String, key: String)] = []
        var problems: [ImportItem<Row>] = []
        var reordering: Bool?
        defer { queue.close() }

        /// Sends what has been gathered; false when the writer has stopped.
        func flush() -> Bool {
            if !problems.isEmpty {
                guard queue.push(ImportBatch(items: problems, offset: source.offset, duplicates: 0)) else { return false }
                problems.removeAll(keepingCapacity: true)
            }
            if reordering == true {
                // The chunk is not copied: every batch shares its items and names its part of the order.
                let (order, duplicates) = Self.groupByCustomer(keys)
                var start = 0
                while start < order.count {
                    let end = min(start + 4096, order.count)
                    guard queue.push(ImportBatch(items: pending, order: Array(order[start..<end]), offset: source.offset,
                                                 duplicates: start == 0 ? duplicates : 0)) else { return false }
                    start = end
                }
                pending = []
                pending.reserveCapacity(chunkSize)
                keys.removeAll(keepingCapacity: true)
                return true
            }
            var start = 0
            while start < pending.count {
                let end = min(start + 4096, pending.count)
                guard queue.push(ImportBatch(items: Array(pending[start..<end]), offset: source.offset, duplicates: 0)) else { return false }
                start = end
            }
            pending.removeAll(keepingCapacity: true)
            return true
        }

        while true {
            do {
                guard let record = try source.next() else { break }
                if source.header == nil { try checkFields(record, kind: kind, path: context.file) }
                let row = try prepare(record, &context)
                let order = ordering(row)
                if reordering == nil { reordering = order != nil }
                if let order, reordering == true { keys.append(order) }
                pending.append(.row(row, record))
            } catch let problem as ImportProblem {
                problems.append(.problem(problem))
                if RecordReaders.isFatal(problem) { break }
            } catch {
                problems.append(.problem(ImportProblem(file: context.file, line: 0, column: 0, message: "\(error)")))
                break
            }
            if pending.count >= (reordering == true ? chunkSize : 4096) || problems.count >= 4096 {
                guard flush() else { return }
            }
        }
        _ = flush()
    }

    /// The positions of the rows to write, given each row's key: only the last row for each
    /// unique key, ordered by group, stably; and how many earlier duplicates were dropped.
    /// Works on the keys alone: copying the rows themselves cost a third of the reader's time.
    static func groupByCustomer(_ keys: [(group: String, key: String)]) -> (order: [Int], dropped: Int) {
        var lastIndex: [String: Int] = [:]
        lastIndex.reserveCapacity(keys.count)
        for (position, entry) in keys.enumerated() { lastIndex[entry.key] = position }
        var kept = [Bool](repeating: false, count: keys.count)
        for position in lastIndex.values { kept[position] = true }
        var order = keys.indices.filter { kept[$0] }
        order.sort { keys[$0].group != keys[$1].group ? keys[$0].group < keys[$1].group : $0 < $1 }
        return (order, keys.count - order.count)
    }

    /// A CSV header must hold every required column, and no unknown ones where those are not kept.
    static func checkHeader(_ header: [String], kind: ImportKind, path: String) throws {
        let known = kind.requiredColumns + kind.optionalColumns
        if let long = header.firstIndex(where: { $0.utf8.count > FieldParsers.maximumNameBytes }) {
            throw ImportProblem(file: path, line: 1, column: header[..<long].reduce(1) { $0 + $1.count + 1 },
                                message: "a column name is longer than \(FieldParsers.maximumNameBytes) bytes")
        }
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
        if let long = record.names.first(where: { $0.utf8.count > FieldParsers.maximumNameBytes }) {
            throw ImportProblem(file: path, line: record.line, column: record.column(long),
                                message: "a field name is longer than \(FieldParsers.maximumNameBytes) bytes")
        }
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

/// A record checked and prepared for writing, or the problem that stopped it.
enum ImportItem<Row: Sendable>: Sendable {
    case row(Row, ImportRecord)
    case problem(ImportProblem)

    /// The columns of a row; nil for a problem.
    var names: [String]? {
        if case .row(_, let record) = self { return record.names }
        return nil
    }
}

/// Items handed from the reader thread to the writer, with how far the reader had read.
struct ImportBatch<Row: Sendable>: Sendable {
    var items: [ImportItem<Row>]
    /// The positions in `items` to write, in order; nil: all of them, in order.
    var order: [Int]? = nil
    var offset: Int
    /// Rows dropped because a later row in the same chunk had the same key (they count as unchanged).
    var duplicates: Int
}

/// Moves a value that is used by one thread at a time across threads.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
