import CustomerStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Imports a CSV or JSON Lines file of one kind into a PostgreSQL store: the rows are read and
/// checked exactly as the SQLite store's `Importer` does (`StagedImportReader`), sent with `COPY`
/// into a temporary staging table, then written by one upsert per table (the last row of a key
/// wins, as when the file is written row by row). Facts are set in one statement per kind rather
/// than by the per-row triggers, and an empty table is loaded the bulk way (docs/store.md,
/// "Imports into PostgreSQL").
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
                        // Room for the import's sorts and index builds, unless the server allows more already.
                        try await transaction.execute("""
                            SELECT set_config('work_mem', greatest(pg_size_bytes(current_setting('work_mem')) / 1024, 262144)::text || 'kB', true),
                                   set_config('maintenance_work_mem',
                                              greatest(pg_size_bytes(current_setting('maintenance_work_mem')) / 1024, 524288)::text || 'kB', true)
                            """)
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
                file: path, line: Int(row[0].int64 ?? 0), column: Int(row[1].int64 ?? 1),
                message: "unknown customer '\(row[2].string ?? "")'; import customers first"))
        }
        let table = Self.table(kind)
        let empty = try await connection.count("SELECT count(*) FROM (SELECT 1 FROM \(table) LIMIT 1) AS existing") == 0
        let write = { () async throws -> Int in
            empty ? try await loadIntoEmpty(kind) : try await connection.count(Self.upsert(kind))
        }
        guard let facts = Self.facts(kind) else { return (try await write(), unknown.count) }
        // The customers whose facts the rows can change: those they name, and for purchases
        // those owning the orders now (a row may move an order to another customer).
        try await connection.execute("CREATE TEMP TABLE IF NOT EXISTS campaignd_import_touched (customer_id bigint) ON COMMIT DROP")
        try await connection.execute("TRUNCATE campaignd_import_touched")
        try await connection.execute("""
            INSERT INTO campaignd_import_touched
                SELECT c.id FROM customer c WHERE c.external_id IN (SELECT customer FROM campaignd_import_stage)
                \(kind == .purchases && !empty ? "UNION " + (try await ordersOwnersSQL()) : "")
            """)
        try await connection.execute("ANALYZE campaignd_import_touched")
        let written = try await withTriggersOff(table, facts.triggers, write)
        try await updateFacts(columns: facts.columns, aggregate: facts.aggregate)
        return (written, unknown.count)
    }

    /// A `SELECT` of the customers owning the staged orders now. A file small beside the table
    /// (a daily import: at most a twentieth of its rows) looks each order up in
    /// `purchase_order_ref_key`; PostgreSQL's own choice, a hash join, read all of `purchase`
    /// (3–8 s for 100,000 new orders into 10,000,000, where the lookups take well under a second),
    /// as it expects every staged order to be there already. A larger file keeps that join.
    private func ordersOwnersSQL() async throws -> String {
        let small = try await connection.count("""
            SELECT ((SELECT count(*) FROM campaignd_import_stage) * 20
                    <= (SELECT reltuples FROM pg_class WHERE oid = 'purchase'::regclass))::int
            """)
        guard small == 1 else {
            return "SELECT p.customer_id FROM purchase p JOIN campaignd_import_stage s ON s.order_ref = p.order_ref"
        }
        // OFFSET 0 keeps the subquery apart, so it runs once per staged row, by the index.
        return """
            SELECT p.customer_id FROM campaignd_import_stage s
            JOIN LATERAL (SELECT customer_id FROM purchase WHERE order_ref = s.order_ref OFFSET 0) p ON true
            """
    }

    /// The table a history kind fills.
    private static func table(_ kind: ImportKind) -> String {
        switch kind {
        case .purchases: "purchase"
        case .events: "event"
        case .feedback: "feedback"
        case .consents: "consent"
        case .customers: "customer"
        }
    }

    /// For kinds whose per-row facts triggers are set aside during an import: those triggers, the
    /// facts columns they keep, and a query computing those columns for every customer in
    /// `campaignd_import_touched` from the whole table, as the triggers compute them. Events keep
    /// their triggers (few rows; their facts are a table of their own).
    private static func facts(_ kind: ImportKind) -> (triggers: [String], columns: [String], aggregate: String)? {
        switch kind {
        case .purchases:
            return (["purchase_facts_insert", "purchase_facts_update"],
                    ["orders", "spent_minor", "first_purchase_at", "last_purchase_at"],
                    """
                    SELECT t.customer_id, count(p.customer_id) AS orders, coalesce(sum(p.amount_minor), 0)::bigint AS spent_minor,
                           min(p.at) AS first_purchase_at, max(p.at) AS last_purchase_at
                    FROM campaignd_import_touched t LEFT JOIN purchase p ON p.customer_id = t.customer_id
                    GROUP BY t.customer_id
                    """)
        case .consents:
            // The latest record per channel; at the same instant, a withdrawal wins.
            let channels = ["email", "letter", "webhook"]
            return (["consent_facts_insert", "consent_facts_update"],
                    channels.flatMap { ["\($0)_consent", "\($0)_consent_at"] },
                    """
                    SELECT t.customer_id, \(channels.map { channel in
                        """
                        (array_agg(x.status ORDER BY x.at DESC, x.status = 'withdrawn' DESC) FILTER (WHERE x.channel = '\(channel)'))[1] AS \(channel)_consent,
                            max(x.at) FILTER (WHERE x.channel = '\(channel)') AS \(channel)_consent_at
                        """
                    }.joined(separator: ",\n    "))
                    FROM campaignd_import_touched t LEFT JOIN consent x ON x.customer_id = t.customer_id
                    GROUP BY t.customer_id
                    """)
        case .feedback:
            // The latest score per kind (of two at one instant, the later row), and the latest answer.
            let kinds = ["nps", "csat", "ces"]
            return (["feedback_facts_insert", "feedback_facts_update"],
                    ["last_feedback_at"] + kinds.flatMap { ["\($0)_score", "\($0)_at"] },
                    """
                    SELECT t.customer_id, max(b.at) AS last_feedback_at, \(kinds.map { kind in
                        """
                        (array_agg(b.score ORDER BY b.at DESC, b.id DESC) FILTER (WHERE b.kind = '\(kind)'))[1] AS \(kind)_score,
                            max(b.at) FILTER (WHERE b.kind = '\(kind)') AS \(kind)_at
                        """
                    }.joined(separator: ",\n    "))
                    FROM campaignd_import_touched t LEFT JOIN feedback b ON b.customer_id = t.customer_id
                    GROUP BY t.customer_id
                    """)
        case .events, .customers:
            return nil
        }
    }

    /// Runs `body` with the named triggers of `table` off. `ALTER TABLE` keeps other writers of
    /// the table waiting until the import's transaction ends (readers go on); a failure rolls the
    /// change back with everything else.
    private func withTriggersOff<T>(_ table: String, _ triggers: [String], _ body: () async throws -> T) async throws -> T {
        try await connection.execute("ALTER TABLE \(table) " + triggers.map { "DISABLE TRIGGER \($0)" }.joined(separator: ", "))
        let result = try await body()
        try await connection.execute("ALTER TABLE \(table) " + triggers.map { "ENABLE TRIGGER \($0)" }.joined(separator: ", "))
        return result
    }

    /// Sets `columns` of the touched customers' facts rows to `aggregate`'s values where they
    /// differ, and marks each customer changed in `customer_change` as its trigger would (set
    /// aside for the statement: one mark per customer instead of one trigger call per row).
    private func updateFacts(columns: [String], aggregate: String) async throws {
        try await withTriggersOff("customer_facts", ["customer_change_facts_update"]) {
            try await connection.execute("""
                WITH updated AS (
                    UPDATE customer_facts f SET \(columns.map { "\($0) = a.\($0)" }.joined(separator: ", "))
                    FROM (\(aggregate)) a
                    WHERE f.customer_id = a.customer_id
                      AND (\(columns.map { "f.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(columns.map { "a.\($0)" }.joined(separator: ", ")))
                    RETURNING f.customer_id, \(PostgresMigrations.latest("f.")) AS latest_at
                )
                \(Self.markChanged("updated"))
                """)
        }
    }

    /// Marks every customer of `source` (columns `customer_id`, `latest_at`) changed, as the
    /// `customer_change_*` triggers do: each gets a new, higher `seq`.
    private static func markChanged(_ source: String) -> String {
        """
        INSERT INTO customer_change(customer_id, seq, latest_at)
            SELECT customer_id, (SELECT coalesce(max(seq), 0) FROM customer_change) + row_number() OVER (ORDER BY customer_id), latest_at
            FROM \(source)
            ON CONFLICT (customer_id) DO UPDATE SET seq = excluded.seq, latest_at = coalesce(excluded.latest_at, customer_change.latest_at)
        """
    }

    /// A first import into an empty table: its secondary indexes, unique and foreign-key
    /// constraints are set aside, the last staged row of each key is inserted in file order, and
    /// they are built again in one pass each (the constraints checked as a whole). Returns the rows
    /// inserted. The table's schema is as before (the same names and definitions, read from the
    /// catalog); `ALTER TABLE` keeps even readers of the table waiting until the import ends.
    private func loadIntoEmpty(_ kind: ImportKind) async throws -> Int {
        let table = Self.table(kind)
        let indexes = try await connection.rows("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ?
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = ?::regclass)
            """, [table.sqlValue, table.sqlValue]).map { ($0[0].string ?? "", $0[1].string ?? "") }
        let constraints = try await connection.rows("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass AND contype IN ('u', 'f')
            ORDER BY contype DESC, conname
            """, [table.sqlValue]).map { ($0[0].string ?? "", $0[1].string ?? "") }
        for (name, _) in indexes { try await connection.execute("DROP INDEX \(name)") }
        if !constraints.isEmpty {
            try await connection.execute("ALTER TABLE \(table) " + constraints.map { "DROP CONSTRAINT \($0.0)" }.joined(separator: ", "))
        }
        try await connection.execute(Self.upsert(kind, intoEmpty: true))
        if !constraints.isEmpty {
            try await connection.execute("ALTER TABLE \(table) " + constraints.map { "ADD CONSTRAINT \($0.0) \($0.1)" }.joined(separator: ", "))
        }
        for (_, definition) in indexes { try await connection.execute(definition) }
        return try await connection.count("SELECT count(*) FROM \(table)")
    }

    /// The statement writing the staged rows of a history kind: the last row of each key, in
    /// file order, its customer looked up by external id; a row changing nothing is not written.
    /// It counts the rows written; `intoEmpty`, it only inserts (`loadIntoEmpty`), in key order
    /// rather than file order (sorting 10 M purchases by line cost 6 s; SQLite's bulk path does
    /// not number them in file order either).
    private static func upsert(_ kind: ImportKind, intoEmpty: Bool = false) -> String {
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
        let incomingRows = """
            SELECT DISTINCT ON (\(key)) c.id AS customer_id, \(values.map { "s.\($0)" }.joined(separator: ", ")), s.line
            FROM campaignd_import_stage s JOIN customer c ON c.external_id = s.customer
            ORDER BY \(key), s.line DESC
            """
        if intoEmpty {
            return """
                INSERT INTO \(table) (customer_id, \(values.joined(separator: ", ")))
                SELECT customer_id, \(selected.joined(separator: ", ")) FROM (\(incomingRows)) AS incoming
                """
        }
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
        // The last row of each external id, once for the three statements below.
        try await connection.execute("DROP TABLE IF EXISTS campaignd_import_latest")
        try await connection.execute("""
            CREATE TEMP TABLE campaignd_import_latest ON COMMIT DROP AS
                SELECT DISTINCT ON (external_id) * FROM campaignd_import_stage ORDER BY external_id, line DESC
            """)
        try await connection.execute("CREATE INDEX ON campaignd_import_latest(external_id)")
        try await connection.execute("ANALYZE campaignd_import_latest")
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
                    FROM campaignd_import_latest s
                    WHERE c.external_id = s.external_id
                      AND (\(current.joined(separator: ", "))) IS DISTINCT FROM (\(incoming.joined(separator: ", ")))
                    RETURNING c.id
                )
                INSERT INTO campaignd_import_changed SELECT id FROM updated
                """)
        }
        // New customers get their facts rows, and their marks in `customer_change`, in one
        // statement each rather than from two triggers per row.
        let inserted = ["external_id"] + stored + (attributes ? ["attributes"] : [])
        let selected = ["external_id"] + stored + (attributes ? ["coalesce(attributes_insert, '{}')::json"] : [])
        try await withTriggersOff("customer", ["customer_facts_row"]) {
            try await withTriggersOff("customer_facts", ["customer_change_facts_insert"]) {
                try await connection.execute("""
                    WITH inserted AS (
                        INSERT INTO customer(\(inserted.joined(separator: ", ")))
                        SELECT \(selected.joined(separator: ", ")) FROM campaignd_import_latest s
                        WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.external_id = s.external_id)
                        ORDER BY line
                        RETURNING id
                    ), facts AS (
                        INSERT INTO customer_facts(customer_id) SELECT id FROM inserted
                        RETURNING customer_id, \(PostgresMigrations.latest("")) AS latest_at
                    ), changed AS (
                        INSERT INTO campaignd_import_changed SELECT id FROM inserted
                    )
                    \(Self.markChanged("facts"))
                    """)
            }
        }
        if columns.contains("tags") {
            try await withTriggersOff("customer_tag", ["customer_change_tag_insert", "customer_change_tag_delete"]) {
                try await connection.execute("""
                    WITH wanted AS (
                        SELECT c.id, string_to_array(s.tags, ';') AS tags FROM campaignd_import_latest s JOIN customer c USING (external_id)
                    ), removed AS (
                        DELETE FROM customer_tag t USING wanted w WHERE t.customer_id = w.id AND NOT (t.tag = ANY (w.tags))
                        RETURNING t.customer_id
                    ), added AS (
                        INSERT INTO customer_tag(customer_id, tag) SELECT id, unnest(tags) FROM wanted
                        ON CONFLICT DO NOTHING RETURNING customer_id
                    ), retagged AS (
                        SELECT customer_id, NULL::bigint AS latest_at FROM (SELECT customer_id FROM removed UNION SELECT customer_id FROM added) AS both_ways
                    ), changed AS (
                        INSERT INTO campaignd_import_changed SELECT customer_id FROM retagged
                    )
                    \(Self.markChanged("retagged"))
                    """)
            }
        }
        return try await connection.count("SELECT count(DISTINCT id) FROM campaignd_import_changed")
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
