import CustomerStore
import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO

/// Imports a CSV or JSON Lines file of one kind into a PostgreSQL store: the rows are read and
/// checked exactly as the SQLite store's `Importer` does (`StagedImportReader`), sent with `COPY`
/// into a temporary staging table, then written by one upsert per table (the last row of a key
/// wins, as when the file is written row by row); the store's triggers keep the facts.
///
/// One transaction: an atomic import with any bad row (unknown customers included) writes
/// nothing; with `skipInvalid` the good rows are written and each bad one reported.
public struct PostgresImporter: Sendable {
    public let store: PostgresStore
    public var timeZone: TimeZone
    public var skipInvalid = false
    /// Called for each bad row: while reading for rows the file itself gets wrong, after it for
    /// rows naming a customer the store does not hold.
    public var onProblem: @Sendable (ImportProblem) -> Void = { _ in }
    /// Called every 5 seconds or so while the file is being read.
    public var onProgress: @Sendable (ImportProgress) -> Void = { _ in }

    public init(store: PostgresStore, timeZone: TimeZone) {
        self.store = store
        self.timeZone = timeZone
    }

    /// Imports `path` as `kind`.
    /// - Throws: `ImportProblem` for a file that cannot be used at all, `ImportFailed` when an
    ///   atomic import found bad rows, `PostgresStoreError` when the server failed.
    public func run(_ kind: ImportKind, path: String) async throws -> ImportSummary {
        let reader = try StagedImportReader(kind: kind, path: path, currency: store.currency, timeZone: timeZone)
        reader.onProblem = onProblem
        let shared = SharedReader(reader)
        let location = store.location
        let skipInvalid = self.skipInvalid, onProblem = self.onProblem, onProgress = self.onProgress
        do {
            return try await store.withConnection { connection in
                try await SQLiteToPostgresCopy.failingOnClose(connection) {
                    try await connection.withTransaction(logger: PostgresSQL.quiet) { transaction in
                        var staging = Staging(kind: kind, path: path, connection: transaction, onProblem: onProblem, onProgress: onProgress)
                        var summary = ImportSummary()
                        try await transaction.execute("CREATE TEMP TABLE campaignd_import_changed (id bigint) ON COMMIT DROP")
                        while let batch = try await staging.stage(from: shared.reader) {
                            let (written, unknown) = try await staging.write(columns: batch)
                            summary.written += written
                            summary.invalid += unknown
                        }
                        summary.invalid += shared.reader.invalid
                        summary.rows = shared.reader.rows + shared.reader.invalid
                        summary.unchanged = summary.rows - summary.written - summary.invalid
                        if summary.invalid > 0 && !skipInvalid {
                            throw ImportFailed(file: path, invalidRows: summary.invalid)
                        }
                        return summary
                    }
                }
            }
        } catch let error as PostgresTransactionError {
            if let failed = error.closureError as? ImportFailed { throw failed }
            throw PostgresStoreError.explaining(error, location: location, operation: "import \(kind.rawValue) \(path)")
        } catch let error as ImportFailed {
            throw error
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "import \(kind.rawValue) \(path)")
        }
    }
}

/// The reader, used by one task at a time: the import's transaction.
private final class SharedReader: @unchecked Sendable {
    let reader: StagedImportReader
    init(_ reader: StagedImportReader) { self.reader = reader }
}

/// One import's staging table and the statements that write it into the store.
private struct Staging {
    let kind: ImportKind
    let path: String
    let connection: PostgresConnection
    let onProblem: @Sendable (ImportProblem) -> Void
    let onProgress: @Sendable (ImportProgress) -> Void
    /// The first batch of the next run of rows, read past the end of the last one.
    private var held: StagedBatch?
    private var started = false
    private var lastProgress = Date()

    init(kind: ImportKind, path: String, connection: PostgresConnection,
         onProblem: @escaping @Sendable (ImportProblem) -> Void, onProgress: @escaping @Sendable (ImportProgress) -> Void) {
        self.kind = kind
        self.path = path
        self.connection = connection
        self.onProblem = onProblem
        self.onProgress = onProgress
    }

    /// Columns staged as `bigint`; the others are `text`.
    private static let integerColumns: Set<String> = ["at", "amount_minor", "score", "joined_at"]

    /// Fills a new staging table with the next run of rows that share their columns (a CSV
    /// file's rows all do); returns those columns, or nil when the file is done.
    mutating func stage(from reader: StagedImportReader) async throws -> [String]? {
        guard let first = held ?? reader.next() else { return nil }
        held = nil
        let columns = first.columns
        let definitions = columns.map { "\($0) \(Self.integerColumns.contains($0) ? "bigint" : "text")" }
        try await connection.execute("DROP TABLE IF EXISTS campaignd_import_stage")
        try await connection.execute("""
            CREATE TEMP TABLE campaignd_import_stage (line bigint NOT NULL, customer_column integer NOT NULL, \
            \(definitions.joined(separator: ", "))) ON COMMIT DROP
            """)
        var next: StagedBatch? = first
        var lastProgress = self.lastProgress
        let onProgress = self.onProgress
        try await connection.copyFrom(table: "campaignd_import_stage", columns: ["line", "customer_column"] + columns,
                                      logger: PostgresSQL.quiet) { writer in
            while let batch = next, batch.columns == columns {
                var buffer = ByteBuffer()
                buffer.reserveCapacity(batch.rows.count * 96)
                for row in batch.rows { CopyText.append(row, to: &buffer) }
                try await writer.write(buffer)
                if Date().timeIntervalSince(lastProgress) >= 5 {
                    lastProgress = Date()
                    onProgress(ImportProgress(rows: reader.rows + reader.invalid, bytesRead: reader.offset, fileSize: reader.fileSize))
                }
                next = reader.next()
            }
        }
        self.lastProgress = lastProgress
        held = next
        try await connection.execute("ANALYZE campaignd_import_stage")
        return columns
    }

    /// Writes the staged rows (`columns`) into the store: how many rows changed it, and how many
    /// named an unknown customer (each reported).
    func write(columns: [String]) async throws -> (written: Int, unknown: Int) {
        if kind == .customers { return (try await writeCustomers(columns), 0) }
        let unknown = try await connection.rows("""
            SELECT line, customer_column, customer FROM campaignd_import_stage s
            WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.external_id = s.customer) ORDER BY line
            """)
        for row in unknown {
            onProblem(ImportProblem(
                file: path, line: Int(Int64.fromDatabaseValue(row[0]) ?? 0), column: Int(Int64.fromDatabaseValue(row[1]) ?? 1),
                message: "unknown customer '\(String.fromDatabaseValue(row[2]) ?? "")'; import customers first"))
        }
        if kind == .purchases { return (try await writePurchases(), unknown.count) }
        let written = try await count(Self.upsert(kind))
        return (written, unknown.count)
    }

    /// Purchases without the per-row facts triggers (one `UPDATE` of `customer_facts` per row):
    /// the customers whose purchases the rows add to or move away from get their purchase facts
    /// re-aggregated in one pass afterwards, to the values the triggers keep. The triggers are
    /// off only inside the import's transaction (`ALTER TABLE` keeps other writers of `purchase`
    /// waiting until it ends; readers go on).
    private func writePurchases() async throws -> Int {
        try await connection.execute("CREATE TEMP TABLE IF NOT EXISTS campaignd_import_touched (customer_id bigint) ON COMMIT DROP")
        try await connection.execute("TRUNCATE campaignd_import_touched")
        try await connection.execute("""
            INSERT INTO campaignd_import_touched
                SELECT p.customer_id FROM purchase p JOIN campaignd_import_stage s ON s.order_ref = p.order_ref
                UNION SELECT c.id FROM campaignd_import_stage s JOIN customer c ON c.external_id = s.customer
            """)
        try await connection.execute(
            "ALTER TABLE purchase DISABLE TRIGGER purchase_facts_insert, DISABLE TRIGGER purchase_facts_update")
        let written = try await count(Self.upsert(.purchases))
        try await connection.execute(
            "ALTER TABLE purchase ENABLE TRIGGER purchase_facts_insert, ENABLE TRIGGER purchase_facts_update")
        try await connection.execute("""
            UPDATE customer_facts f SET orders = a.orders, spent_minor = a.spent_minor,
                first_purchase_at = a.first_purchase_at, last_purchase_at = a.last_purchase_at
            FROM (
                SELECT t.customer_id, count(p.customer_id) AS orders, coalesce(sum(p.amount_minor), 0) AS spent_minor,
                       min(p.at) AS first_purchase_at, max(p.at) AS last_purchase_at
                FROM campaignd_import_touched t LEFT JOIN purchase p ON p.customer_id = t.customer_id
                GROUP BY t.customer_id
            ) a
            WHERE f.customer_id = a.customer_id
              AND (f.orders, f.spent_minor, f.first_purchase_at, f.last_purchase_at)
                  IS DISTINCT FROM (a.orders, a.spent_minor, a.first_purchase_at, a.last_purchase_at)
            """)
        return written
    }

    /// The statement writing the staged rows of a history kind: the last row of each key, in
    /// file order, its customer looked up by external id; a row changing nothing is not written.
    private static func upsert(_ kind: ImportKind) -> String {
        let (key, values, table, updates, compared): (String, [String], String, [String], [String]) = switch kind {
        case .purchases:
            ("s.order_ref", ["order_ref", "at", "amount_minor", "currency", "coupon"], "purchase",
             ["customer_id = excluded.customer_id", "at = excluded.at", "amount_minor = excluded.amount_minor",
              "currency = excluded.currency", "coupon = coalesce(excluded.coupon, t.coupon)"],
             ["customer_id", "at", "amount_minor", "currency", "coupon"])
        case .events:
            ("c.id, s.name, s.at", ["name", "at", "properties"], "event", ["properties = excluded.properties"], ["properties"])
        case .feedback:
            ("c.id, s.kind, s.at", ["kind", "score", "at", "comment"], "feedback",
             ["score = excluded.score", "comment = excluded.comment"], ["score", "comment"])
        case .consents:
            ("c.id, s.channel, s.at, s.status", ["channel", "status", "at", "basis", "source"], "consent",
             ["basis = excluded.basis", "source = excluded.source"], ["basis", "source"])
        case .customers:
            preconditionFailure("customers are written by writeCustomers")
        }
        let conflict = switch kind {
        case .purchases: "order_ref"
        case .events: "customer_id, name, at"
        case .feedback: "customer_id, kind, at"
        default: "customer_id, channel, at, status"
        }
        // json has no equality: compared as text. A purchase's coupon, once known, stays.
        let current = compared.map { $0 == "properties" ? "t.properties::text" : "t.\($0)" }
        let incoming = compared.map {
            $0 == "properties" ? "excluded.properties::text" : $0 == "coupon" ? "coalesce(excluded.coupon, t.coupon)" : "excluded.\($0)"
        }
        let selected = values.map { $0 == "properties" ? "properties::json" : $0 }
        return """
            WITH incoming AS (
                SELECT DISTINCT ON (\(key)) c.id AS customer_id, \(values.map { "s.\($0)" }.joined(separator: ", ")), s.line
                FROM campaignd_import_stage s JOIN customer c ON c.external_id = s.customer
                ORDER BY \(key), s.line DESC
            ), written AS (
                INSERT INTO \(table) AS t (customer_id, \(values.joined(separator: ", ")))
                SELECT customer_id, \(selected.joined(separator: ", ")) FROM incoming ORDER BY line
                ON CONFLICT (\(conflict)) DO UPDATE SET \(updates.joined(separator: ", "))
                WHERE (\(current.joined(separator: ", "))) IS DISTINCT FROM (\(incoming.joined(separator: ", ")))
                RETURNING 1
            )
            SELECT count(*) FROM written
            """
    }

    /// Customers: the last row of each external id updates the customer it names (only the
    /// columns the file carries; attributes merged as SQLite's `json_patch` merges them) or
    /// inserts a new one, in file order; a `tags` column replaces the customer's tags.
    private func writeCustomers(_ columns: [String]) async throws -> Int {
        let stored = columns.filter { !["external_id", "attributes_insert", "attributes_patch", "tags"].contains($0) }
        let attributes = columns.contains("attributes_patch")
        let latest = "(SELECT DISTINCT ON (external_id) * FROM campaignd_import_stage ORDER BY external_id, line DESC)"
        try await connection.execute("TRUNCATE campaignd_import_changed")
        if !stored.isEmpty || attributes {
            var sets = stored.map { "\($0) = s.\($0)" }
            var current = stored.map { "c.\($0)" }
            var incoming = stored.map { "s.\($0)" }
            if attributes {
                let patched = Self.jsonPatch("c.attributes", "s.attributes_patch::json")
                sets.append("attributes = \(patched)")
                current.append("c.attributes::text")
                incoming.append("(\(patched))::text")
            }
            try await connection.execute("""
                WITH updated AS (
                    UPDATE customer c SET \(sets.joined(separator: ", "))
                    FROM \(latest) s
                    WHERE c.external_id = s.external_id
                      AND (\(current.joined(separator: ", "))) IS DISTINCT FROM (\(incoming.joined(separator: ", ")))
                    RETURNING c.id
                )
                INSERT INTO campaignd_import_changed SELECT id FROM updated
                """)
        }
        let inserted = ["external_id"] + stored + (attributes ? ["attributes"] : [])
        let selected = ["external_id"] + stored + (attributes ? ["coalesce(attributes_insert, '{}')::json"] : [])
        try await connection.execute("""
            WITH inserted AS (
                INSERT INTO customer(\(inserted.joined(separator: ", ")))
                SELECT \(selected.joined(separator: ", ")) FROM \(latest) s
                WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.external_id = s.external_id)
                ORDER BY line
                RETURNING id
            )
            INSERT INTO campaignd_import_changed SELECT id FROM inserted
            """)
        if columns.contains("tags") {
            try await connection.execute("""
                WITH wanted AS (
                    SELECT c.id, string_to_array(s.tags, ';') AS tags FROM \(latest) s JOIN customer c USING (external_id)
                ), removed AS (
                    DELETE FROM customer_tag t USING wanted w WHERE t.customer_id = w.id AND NOT (t.tag = ANY (w.tags))
                    RETURNING t.customer_id
                ), added AS (
                    INSERT INTO customer_tag(customer_id, tag) SELECT id, unnest(tags) FROM wanted
                    ON CONFLICT DO NOTHING RETURNING customer_id
                )
                INSERT INTO campaignd_import_changed SELECT customer_id FROM removed UNION ALL SELECT customer_id FROM added
                """)
        }
        return try await count("SELECT count(DISTINCT id) FROM campaignd_import_changed")
    }

    /// `target` merged with the flat JSON object `patch` as SQLite's `json_patch` does: a key
    /// whose patch value is null is removed, others are replaced in place, new keys follow in
    /// the patch's order; written compactly, as SQLite writes it.
    static func jsonPatch(_ target: String, _ patch: String) -> String {
        """
        (SELECT coalesce('{' || string_agg(to_json(merged.key)::text || ':' || merged.value, ',' ORDER BY merged.position) || '}', '{}')::json
         FROM (
            SELECT t.key, coalesce(p.value::text, t.value::text) AS value, t.position
            FROM json_each(\(target)) WITH ORDINALITY AS t(key, value, position)
            LEFT JOIN json_each(\(patch)) AS p(key, value) ON p.key = t.key
            WHERE p.value IS NULL OR json_typeof(p.value) <> 'null'
            UNION ALL
            SELECT p.key, p.value::text, 1000000000 + p.position
            FROM json_each(\(patch)) WITH ORDINALITY AS p(key, value, position)
            WHERE json_typeof(p.value) <> 'null'
              AND NOT EXISTS (SELECT 1 FROM json_each(\(target)) AS o(key, value) WHERE o.key = p.key)
         ) AS merged)
        """
    }

    private func count(_ sql: String) async throws -> Int {
        Int(Int64.fromDatabaseValue(try await connection.rows(sql)[0][0]) ?? 0)
    }
}

extension CopyText {
    /// A staged row in `COPY`'s text format: its line, its customer's column, then its values.
    static func append(_ row: StagedRow, to buffer: inout ByteBuffer) {
        buffer.writeString(String(row.line))
        buffer.writeInteger(UInt8(ascii: "\t"))
        buffer.writeString(String(row.customerColumn))
        for value in row.values {
            buffer.writeInteger(UInt8(ascii: "\t"))
            if let value { escape(value, into: &buffer) } else { buffer.writeStaticString("\\N") }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}
