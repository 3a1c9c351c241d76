import GRDB

/// The bulk path of a large import: inside the import's one transaction, the kind's facts
/// triggers and secondary indexes are set aside, the rows are loaded, then the indexes are built
/// once and the facts recomputed in one aggregate pass over the whole table, and the triggers put
/// back with their exact text. The store ends as the incremental path would leave it; a failure
/// anywhere rolls all of it back, so the store is whole as before or holds the whole import.
struct BulkLoad {
    /// The definitions set aside, in `sqlite_master` order, to be executed again.
    private let setAside: [(type: String, sql: String)]
    private let kind: ImportKind

    /// Bytes per row assumed when estimating a file's rows (generated purchases: ~51 bytes).
    static let estimatedBytesPerRow = 64

    /// Whether `kind` goes the bulk way for a file of `fileSize` bytes into the store as it is.
    static func applies(_ path: ImportPath, kind: ImportKind, fileSize: Int, db: Database) throws -> Bool {
        switch path {
        case .incremental: return false
        case .bulk: return true
        case .automatic:
            // max(id) reads one b-tree edge, where count(*) would scan the table.
            let rows = try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM \(table(kind))") ?? 0
            return rows == 0 || fileSize / estimatedBytesPerRow > rows
        }
    }

    static func table(_ kind: ImportKind) -> String {
        switch kind {
        case .customers: "customer"
        case .purchases: "purchase"
        case .events: "event"
        case .feedback: "feedback"
        case .consents: "consent"
        }
    }

    /// The facts triggers and secondary indexes a bulk load of `kind` goes without.
    private static func objects(_ kind: ImportKind) -> [String] {
        switch kind {
        // The customer triggers make every upsert keep a statement journal (on a temporary file
        // before imports kept them in memory: 14 million `pwrite`s for 1M customers); `finish`
        // does their work once.
        case .customers: ["customer_birthday_month_day", "customer_tag_by_tag", "customer_facts_row", "customer_change_customer_update"]
        case .purchases: ["purchase_facts_insert", "purchase_facts_update", "purchase_facts_delete", "purchase_by_customer"]
        case .events: ["event_facts_insert", "event_facts_update", "event_facts_delete", "event_by_name"]
        case .feedback: ["feedback_facts_insert", "feedback_facts_update", "feedback_facts_delete", "feedback_by_customer"]
        case .consents: ["consent_facts_insert", "consent_facts_update", "consent_facts_delete", "consent_by_customer"]
        }
    }

    /// Sets the kind's facts triggers and secondary indexes aside (in the open transaction).
    static func begin(_ kind: ImportKind, db: Database) throws -> BulkLoad {
        BulkLoad(setAside: try drop(objects(kind), db: db), kind: kind)
    }

    /// Drops the named indexes and triggers that exist, returning their definitions in
    /// `sqlite_master` order, to be executed again.
    private static func drop(_ names: [String], db: Database) throws -> [(type: String, sql: String)] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT type, name, sql FROM sqlite_master WHERE name IN (\(names.map { _ in "?" }.joined(separator: ", ")))
            ORDER BY rowid
            """, arguments: StatementArguments(each: names))
        var dropped: [(type: String, sql: String)] = []
        for row in rows {
            let type: String = row["type"], name: String = row["name"]
            dropped.append((type, row["sql"]))
            try db.execute(sql: "DROP \(type == "index" ? "INDEX" : "TRIGGER") \(name)")
        }
        return dropped
    }

    /// Builds the indexes, recomputes the kind's facts (ranged ones `rebuildRange` customers per
    /// statement), and puts the triggers back.
    func finish(db: Database, rebuildRange: Int = Self.rebuildRange) throws {
        // Sorts spill to temporary files, as SQLite's default: with the store's in-memory
        // temporary storage the index builds sorted 10 M purchases wholly in memory (RSS 756 MB).
        // SQLite allows the change inside a transaction while the connection has no temporary
        // tables (the store never makes any); statement journals stay where the transaction put them.
        try db.execute(sql: "PRAGMA temp_store = DEFAULT")
        for object in setAside where object.type == "index" { try db.execute(sql: object.sql) }
        let rebuild = Self.factsRebuild(kind)
        if rebuild.perRange {
            let ranges = try Self.customerRanges(db, size: rebuildRange)
            for range in ranges {
                for sql in rebuild.marked { try db.execute(sql: sql, arguments: [range.lowerBound, range.upperBound]) }
            }
            // The highest mark so far, read once while its index is there (without it, max(seq)
            // scans the table).
            var seq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM customer_change") ?? 0
            // `customer_change_facts_update` would mark each facts row it updates, one statement
            // per row (over a third of the rebuild); its work is done once per range instead,
            // with `customer_change`'s two indexes built again afterwards rather than updated
            // row by row (the marking of 1M customers: 2.8 -> 1.3 s, plus 1.0 s for the builds).
            let changeObjects = try Self.drop([Self.changeTrigger, "customer_change_by_seq", "customer_change_by_latest"], db: db)
            let mark = Self.markChangedSQL(Self.table(kind))
            for range in ranges {
                for sql in rebuild.statements {
                    try db.execute(sql: sql, arguments: [range.lowerBound, range.upperBound])
                }
                try db.execute(sql: mark, arguments: [range.lowerBound, range.upperBound, seq])
                seq += Int64(db.changesCount)
            }
            for object in changeObjects { try db.execute(sql: object.sql) }
        } else {
            for sql in rebuild.statements { try db.execute(sql: sql) }
        }
        for object in setAside where object.type == "trigger" { try db.execute(sql: object.sql) }
        // The rebuild's updates of customer_facts mark the customers they touch in
        // customer_change; after a load this large the next tick's journey entry scans test
        // everyone anyway, so their records are dropped rather than trusted.
        try db.execute(sql: "DELETE FROM journey_entry_scan")
    }

    /// Customers per statement of a ranged facts rebuild. SQLite keeps a statement journal for
    /// an update of many facts rows (their `customer_change` triggers may abort it), in memory
    /// during an import (`Importer`): one statement over 1M customers held some 75 MB of pages.
    static let rebuildRange = 50_000

    /// The trigger that marks a customer changed whenever their facts row is updated.
    static let changeTrigger = "customer_change_facts_update"

    /// Marks changed, as `changeTrigger` would have for the rebuild's updates, every customer
    /// with ids from `?1` to `?2` who has rows in `table` (the customers whose facts the ranged
    /// statements set): each a new `seq` above `?3` (the highest so far) and their facts' latest
    /// time.
    static func markChangedSQL(_ table: String) -> String {
        """
        INSERT INTO customer_change(customer_id, seq, latest_at)
            SELECT f.customer_id, ?3 + row_number() OVER (ORDER BY f.customer_id),
                   \(StoreMigrations.latest("f."))
            FROM customer_facts f
            WHERE f.customer_id BETWEEN ?1 AND ?2 AND EXISTS (SELECT 1 FROM \(table) t WHERE t.customer_id = f.customer_id)
            ON CONFLICT(customer_id) DO UPDATE SET seq = excluded.seq, latest_at = coalesce(excluded.latest_at, latest_at)
        """
    }

    /// SQL that sets every customer's facts of `kind` to what the triggers would have left: an
    /// aggregate over the whole table, so rows already in the store count as before. When
    /// `perRange`, each statement covers the customers with ids from `?1` to `?2` and runs once
    /// per range of `rebuildRange` customers: first every range's `marked` statements (with
    /// `changeTrigger` in place: they touch few rows), then every range's `statements` followed
    /// by `markChangedSQL`, with the trigger set aside.
    static func factsRebuild(_ kind: ImportKind) -> (marked: [String], statements: [String], perRange: Bool) {
        switch kind {
        case .customers:
            // `customer_facts_row`'s work: a facts row for every new customer (whose insert marks
            // it in customer_change, as the trigger's would). `customer_change_customer_update`'s:
            // every customer that was there before is marked changed (the load may have updated
            // it; the recorded entry scans are dropped below anyway). New rows only: no range.
            return ([], [
                """
                INSERT INTO customer_change(customer_id, seq, latest_at)
                    SELECT c.id, (SELECT coalesce(max(seq), 0) + 1 FROM customer_change), NULL FROM customer c
                    WHERE EXISTS (SELECT 1 FROM customer_facts f WHERE f.customer_id = c.id)
                    ON CONFLICT(customer_id) DO UPDATE SET seq = excluded.seq, latest_at = coalesce(excluded.latest_at, latest_at)
                """,
                """
                INSERT INTO customer_facts(customer_id)
                    SELECT c.id FROM customer c WHERE NOT EXISTS (SELECT 1 FROM customer_facts f WHERE f.customer_id = c.id)
                    ORDER BY c.id
                """,
            ], false)
        case .purchases:
            // A customer whose every order moved to another customer has no purchases left.
            return ([
                """
                UPDATE customer_facts SET orders = 0, spent_minor = 0, first_purchase_at = NULL, last_purchase_at = NULL
                WHERE customer_id BETWEEN ?1 AND ?2
                  AND (orders, spent_minor, first_purchase_at, last_purchase_at) IS NOT (0, 0, NULL, NULL)
                  AND NOT EXISTS (SELECT 1 FROM purchase WHERE purchase.customer_id = customer_facts.customer_id)
                """,
            ], [
                """
                UPDATE customer_facts SET orders = p.orders, spent_minor = p.spent, first_purchase_at = p.first, last_purchase_at = p.last
                FROM (SELECT customer_id, count(*) AS orders, sum(amount_minor) AS spent, min(at) AS first, max(at) AS last
                      FROM purchase WHERE customer_id BETWEEN ?1 AND ?2 GROUP BY customer_id) AS p
                WHERE customer_facts.customer_id = p.customer_id
                """,
            ], true)
        case .consents:
            // Latest record per channel; at the same instant a withdrawal wins: the largest
            // `at * 2 + withdrawn` holds both (rows never change customer or channel).
            let channels = ["email", "letter", "webhook"]
            return ([], ["""
                UPDATE customer_facts SET \(channels.map { channel in """
                    \(channel)_consent = CASE c.\(channel) & 1 WHEN 1 THEN 'withdrawn' WHEN 0 THEN 'granted' END,
                    \(channel)_consent_at = c.\(channel) >> 1
                    """ }.joined(separator: ",\n"))
                FROM (SELECT customer_id, \(channels.map { channel in
                        "max(CASE channel WHEN '\(channel)' THEN at * 2 + (status = 'withdrawn') END) AS \(channel)"
                      }.joined(separator: ", "))
                      FROM consent WHERE customer_id BETWEEN ?1 AND ?2 GROUP BY customer_id) AS c
                WHERE customer_facts.customer_id = c.customer_id
                """], true)
        case .feedback:
            // (customer, kind, at) is unique, so the latest answer of a kind is one row.
            let kinds = ["nps", "csat", "ces"]
            return ([], ["""
                UPDATE customer_facts SET last_feedback_at = f.last, \(kinds.map { kind in
                    "\(kind)_score = f.\(kind)_score, \(kind)_at = f.\(kind)_at" }.joined(separator: ", "))
                FROM (SELECT customer_id, max(at) AS last, \(kinds.map { kind in
                        "max(CASE kind WHEN '\(kind)' THEN score END) AS \(kind)_score, max(CASE kind WHEN '\(kind)' THEN at END) AS \(kind)_at"
                      }.joined(separator: ", "))
                      FROM (SELECT customer_id, kind, max(at) AS at, score FROM feedback
                            WHERE customer_id BETWEEN ?1 AND ?2 GROUP BY customer_id, kind)
                      GROUP BY customer_id) AS f
                WHERE customer_facts.customer_id = f.customer_id
                """], true)
        case .events:
            return ([], [
                "DELETE FROM customer_event_facts WHERE customer_id BETWEEN ?1 AND ?2",
                """
                INSERT INTO customer_event_facts(customer_id, name, count, first_at, last_at)
                    SELECT customer_id, name, count(*), min(at), max(at) FROM event
                    WHERE customer_id BETWEEN ?1 AND ?2 GROUP BY customer_id, name
                """,
                """
                UPDATE customer_facts SET last_event_at = e.last
                FROM (SELECT customer_id, max(last_at) AS last FROM customer_event_facts
                      WHERE customer_id BETWEEN ?1 AND ?2 GROUP BY customer_id) AS e
                WHERE customer_facts.customer_id = e.customer_id
                """,
            ], true)
        }
    }

    /// The store's customer ids in consecutive ranges of `size` customers (the last one open to
    /// the largest id), for a rebuild statement per range.
    static func customerRanges(_ db: Database, size: Int) throws -> [ClosedRange<Int64>] {
        var ranges: [ClosedRange<Int64>] = []
        var low = try Int64.fetchOne(db, sql: "SELECT min(id) FROM customer")
        while let start = low {
            let next = try Int64.fetchOne(db, sql: "SELECT id FROM customer WHERE id >= ? ORDER BY id LIMIT 1 OFFSET ?",
                                          arguments: [start, size])
            ranges.append(start...(next.map { $0 - 1 } ?? Int64.max))
            low = next
        }
        return ranges
    }
}
