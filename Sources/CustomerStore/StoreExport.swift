import GRDB

/// A consistent read of a whole store, page by page, for copying it elsewhere
/// (`SQLiteToPostgresCopy`): one read transaction (a GRDB snapshot) holds from `open` to the
/// export's release, so every page and count sees the same committed state.
public final class StoreExport: Sendable {
    /// A table the copy carries, with its columns in table order and the key it pages by.
    public struct Table: Sendable {
        public let name: String
        public let columns: [String]
        /// The primary key's columns (`id` for a rowid table).
        public let key: [String]
    }

    /// The tables a copy carries, parents before children. The facts (`customer_facts`,
    /// `customer_event_facts`) and `customer_change` are the target's triggers' to write;
    /// `journey_entry_scan` is left out, so the target's first entry scans test everyone
    /// (docs/store.md: its marks are this store's `customer_change` numbers).
    public static let copiedTables = [
        "store_meta", "customer", "customer_tag", "purchase", "event", "feedback", "consent", "suppression", "coupon",
        "coupon_pool", "send", "segment_tracking", "segment_membership", "enrolment", "variant_winner",
    ]

    /// Per-customer facts summed over the store, for checking a copy: the same text runs on
    /// either store.
    public static let factsTotalsSQL = """
        SELECT count(*), coalesce(sum(orders), 0), coalesce(sum(spent_minor), 0), coalesce(sum(first_purchase_at), 0),
            coalesce(sum(last_purchase_at), 0), coalesce(sum(last_feedback_at), 0), coalesce(sum(nps_score), 0),
            coalesce(sum(nps_at), 0), coalesce(sum(csat_score), 0), coalesce(sum(ces_score), 0),
            count(email_consent), sum(CASE WHEN email_consent = 'granted' THEN 1 ELSE 0 END), coalesce(sum(email_consent_at), 0),
            count(letter_consent), sum(CASE WHEN letter_consent = 'granted' THEN 1 ELSE 0 END),
            count(webhook_consent), sum(CASE WHEN webhook_consent = 'granted' THEN 1 ELSE 0 END),
            coalesce(sum(last_event_at), 0),
            (SELECT count(*) FROM customer_event_facts), (SELECT coalesce(sum(count), 0) FROM customer_event_facts),
            (SELECT coalesce(sum(first_at), 0) FROM customer_event_facts), (SELECT coalesce(sum(last_at), 0) FROM customer_event_facts)
        FROM customer_facts
        """

    private let snapshot: DatabaseSnapshot
    public let tables: [Table]

    init(snapshot: DatabaseSnapshot) throws {
        self.snapshot = snapshot
        tables = try snapshot.read { db in
            try Self.copiedTables.map { name in
                let columns = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
                let key = columns.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
                    .map { $0["name"] as String }
                return Table(name: name, columns: columns.map { $0["name"] }, key: key)
            }
        }
    }

    /// Up to `limit` rows of `table` after the row whose key is `after` (from the start when
    /// nil), in key order; each row's values in `table.columns` order.
    public func page(_ table: Table, after: [SQLValue]?, limit: Int) throws -> [[SQLValue]] {
        let key = table.key.joined(separator: ", ")
        let columns = table.columns.joined(separator: ", ")
        let start = after.map { _ in "WHERE (\(key)) > (\(table.key.map { _ in "?" }.joined(separator: ", ")))" } ?? ""
        let sql = "SELECT \(columns) FROM \(table.name) \(start) ORDER BY \(key) LIMIT ?"
        return try snapshot.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(each: (after ?? []) + [limit.sqlValue]))
                .map(\.sqlValues)
        }
    }

    /// The key values of a row `page` returned.
    public func key(of row: [SQLValue], in table: Table) -> [SQLValue] {
        table.key.map { row[table.columns.firstIndex(of: $0)!] }
    }

    /// Rows per copied table.
    public func counts() throws -> [String: Int64] {
        try snapshot.read { db in
            var counts: [String: Int64] = [:]
            for name in Self.copiedTables {
                counts[name] = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(name)") ?? 0
            }
            return counts
        }
    }

    /// `factsTotalsSQL`'s row.
    public func factsTotals() throws -> [SQLValue] {
        try snapshot.read { db in try Row.fetchOne(db, sql: Self.factsTotalsSQL).map(\.sqlValues) ?? [] }
    }
}

extension CustomerStore {
    /// A consistent export of the whole store (one read transaction, until it is released).
    public func export() throws -> StoreExport {
        try StoreExport(snapshot: database.makeSnapshot())
    }
}
