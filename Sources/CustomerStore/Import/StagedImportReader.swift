import Foundation

/// Reads an import file for a store that loads rows as a set (PostgreSQL: `COPY` into a staging
/// table, then one upsert per table): every record checked and prepared exactly as `Importer`
/// does, each good row handed out as text values of `columns`, with its line and the column of its
/// customer, so problems the store finds later (an unknown customer) still name `FILE:LINE:COLUMN`.
public final class StagedImportReader {
    public let kind: ImportKind
    public let path: String
    /// Called for each bad row, as it is read.
    public var onProblem: (ImportProblem) -> Void = { _ in }
    /// Bad rows read so far.
    public private(set) var invalid = 0
    /// Good rows handed out so far.
    public private(set) var rows = 0

    private let source: any RecordReader
    private var context: PrepareContext
    private let prepare: (ImportRecord, inout PrepareContext) throws(ImportProblem) -> StagedRow
    /// A prepared row that did not fit the last batch's columns.
    private var held: StagedRow?
    private var ended = false

    /// Opens `path` (CSV, or JSON Lines as `Importer` tells them apart) and checks its header.
    /// - Throws: `ImportProblem` for a file that cannot be used at all.
    public init(kind: ImportKind, path: String, currency: String, timeZone: TimeZone) throws {
        self.kind = kind
        self.path = path
        source = try RecordReaders.open(path: path)
        if let header = source.header { try Importer.checkHeader(header, kind: kind, path: path) }
        context = PrepareContext(file: path, currency: currency, timeZone: timeZone)
        prepare = switch kind {
        case .customers: { record, context throws(ImportProblem) in
            let row = try CustomerRowWriter.prepare(record, context: &context)
            return StagedRow(line: record.line, customerColumn: record.column("id"),
                             columns: CustomerRowWriter.stagedColumns(record.names), values: CustomerRowWriter.stagedValues(row))
        }
        case .purchases: { record, context throws(ImportProblem) in
            let row = try PurchaseRowWriter.prepare(record, context: &context)
            return StagedRow(line: record.line, customerColumn: record.column("customer"), columns: StagedRow.purchaseColumns,
                             values: [row.customer, row.order, String(row.at), String(row.amountMinor), row.currency, row.coupon])
        }
        case .events: { record, context throws(ImportProblem) in
            let row = try EventRowWriter.prepare(record, context: &context)
            return StagedRow(line: record.line, customerColumn: record.column("customer"), columns: StagedRow.eventColumns,
                             values: [row.customer, row.name, String(row.at), row.properties])
        }
        case .feedback: { record, context throws(ImportProblem) in
            let row = try FeedbackRowWriter.prepare(record, context: &context)
            return StagedRow(line: record.line, customerColumn: record.column("customer"), columns: StagedRow.feedbackColumns,
                             values: [row.customer, row.kind, String(row.score), String(row.at), row.comment])
        }
        case .consents: { record, context throws(ImportProblem) in
            let row = try ConsentRowWriter.prepare(record, context: &context)
            return StagedRow(line: record.line, customerColumn: record.column("customer"), columns: StagedRow.consentColumns,
                             values: [row.customer, row.channel, row.status, String(row.at), row.basis, row.source])
        }
        }
    }

    /// Bytes read so far, and the file's size, for progress reports.
    public var offset: Int { source.offset }
    public var fileSize: Int { source.fileSize }

    /// The next good rows, at most `limit`, all with the same columns (a JSON Lines file of
    /// customers may change them from row to row: a batch ends where they change); nil at the end.
    public func next(limit: Int = 4096) -> StagedBatch? {
        var batch: StagedBatch?
        if let held {
            batch = StagedBatch(columns: held.columns, rows: [held])
            self.held = nil
        }
        while !ended, (batch?.rows.count ?? 0) < limit {
            let row: StagedRow
            do {
                guard let record = try source.next() else {
                    ended = true
                    break
                }
                if source.header == nil { try Importer.checkFields(record, kind: kind, path: path) }
                row = try prepare(record, &context)
            } catch let problem as ImportProblem {
                invalid += 1
                onProblem(problem)
                if RecordReaders.isFatal(problem) { ended = true }
                continue
            } catch {
                invalid += 1
                onProblem(ImportProblem(file: path, line: 0, column: 0, message: "\(error)"))
                ended = true
                break
            }
            rows += 1
            if let current = batch, current.columns != row.columns {
                held = row
                break
            }
            if batch == nil { batch = StagedBatch(columns: row.columns, rows: []) }
            batch!.rows.append(row)
        }
        return batch
    }
}

/// Good rows of an import file, all with the same staged columns.
public struct StagedBatch: Sendable {
    public var columns: [String]
    public var rows: [StagedRow]
}

/// One good row of an import file, prepared for staging.
public struct StagedRow: Sendable {
    /// The 1-based line on which the row starts.
    public var line: Int
    /// The column at which the row's customer (its `id` for customers) starts.
    public var customerColumn: Int
    /// The store-side names of `values` (`StagedRow.purchaseColumns` and so on; for customers,
    /// `external_id`, the store columns the file carries, then `attributes_insert` and
    /// `attributes_patch` when it has attribute columns, and `tags` when it has that column).
    public var columns: [String]
    /// Text of each value (numbers in decimal); nil for none. `tags` is the set joined by `;`.
    public var values: [String?]

    public static let purchaseColumns = ["customer", "order_ref", "at", "amount_minor", "currency", "coupon"]
    public static let eventColumns = ["customer", "name", "at", "properties"]
    public static let feedbackColumns = ["customer", "kind", "score", "at", "comment"]
    public static let consentColumns = ["customer", "channel", "status", "at", "basis", "source"]
}

extension CustomerRowWriter {
    /// The staged columns of a customers file with these column names (`StagedRow.columns`).
    static func stagedColumns(_ names: [String]) -> [String] {
        let (canonical, extra) = layout(names)
        return ["external_id"] + canonical.map { storeColumnNames[$0]! }
            + (extra.isEmpty ? [] : ["attributes_insert", "attributes_patch"]) + (names.contains("tags") ? ["tags"] : [])
    }

    /// A prepared row's values in `stagedColumns` order.
    static func stagedValues(_ row: Row) -> [String?] {
        var values: [String?] = [row.externalID]
        for value in row.values {
            switch value {
            case .null: values.append(nil)
            case .integer(let number): values.append(String(number))
            case .text(let text): values.append(text)
            }
        }
        if let attributes = row.attributes { values += [attributes.insert, attributes.patch] }
        if let tags = row.tags { values.append(tags.sorted().joined(separator: ";")) }
        return values
    }
}
