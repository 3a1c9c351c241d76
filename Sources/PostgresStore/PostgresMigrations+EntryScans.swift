extension PostgresMigrations {
    /// `v5-journey-entry-scans`: `customer_change`, its triggers and `journey_entry_scan`
    /// (SQLite's `StoreMigrations.entryScansV5`, where the design is described).
    ///
    /// `seq` is one above the highest `seq`, as in SQLite, where one writer at a time makes that a
    /// strict order. Several writers at once on PostgreSQL need more (issue 18's several daemons).
    static var entryScansV5: [String] {
        var statements = [
            """
            CREATE TABLE customer_change (
                customer_id bigint PRIMARY KEY,
                seq         bigint NOT NULL,
                latest_at   bigint
            )
            """,
            "CREATE INDEX customer_change_by_seq ON customer_change(seq)",
            "CREATE INDEX customer_change_by_latest ON customer_change(latest_at)",
            "INSERT INTO customer_change(customer_id, seq, latest_at) SELECT customer_id, 0, \(latest("")) FROM customer_facts",
        ]
        statements += trigger("customer_change_facts_insert", "AFTER INSERT ON customer_facts", mark("NEW.customer_id", latest: latest("NEW.")))
        statements += trigger("customer_change_facts_update", "AFTER UPDATE ON customer_facts", mark("NEW.customer_id", latest: latest("NEW.")))
        statements += trigger("customer_change_customer_update", "AFTER UPDATE ON customer", mark("OLD.id") + "\n" + mark("NEW.id"))
        statements += trigger("customer_change_tag_insert", "AFTER INSERT ON customer_tag", mark("NEW.customer_id"))
        statements += trigger("customer_change_tag_delete", "AFTER DELETE ON customer_tag", mark("OLD.customer_id"))
        statements += trigger(
            "customer_change_tag_update", "AFTER UPDATE ON customer_tag", mark("OLD.customer_id") + "\n" + mark("NEW.customer_id"))
        statements += trigger("suppression_lifted_delete", "AFTER DELETE ON suppression", liftSuppression)
        statements += trigger("suppression_lifted_update", "AFTER UPDATE ON suppression", liftSuppression)
        statements.append(
            """
            CREATE TABLE journey_entry_scan (
                journey            text PRIMARY KEY,
                signature          text NOT NULL,
                scanned_at         bigint NOT NULL,
                watermark          bigint NOT NULL,
                suppression_lifted bigint NOT NULL
            )
            """)
        return statements
    }

    /// The latest time in a `customer_facts` row's history (`prefix` names the row).
    static func latest(_ prefix: String) -> String {
        let columns = ["last_purchase_at", "last_feedback_at", "email_consent_at", "letter_consent_at", "webhook_consent_at", "last_event_at"]
        return "greatest(" + columns.map { "coalesce(\(prefix)\($0), 0)" }.joined(separator: ", ") + ")"
    }

    /// Marks customer `who` changed; with `latest`, sets the latest time in their history too.
    private static func mark(_ who: String, latest: String = "NULL") -> String {
        """
        INSERT INTO customer_change(customer_id, seq, latest_at)
            VALUES (\(who), (SELECT coalesce(max(seq), 0) + 1 FROM customer_change), \(latest))
            ON CONFLICT (customer_id) DO UPDATE SET seq = excluded.seq, latest_at = coalesce(excluded.latest_at, customer_change.latest_at);
        """
    }

    private static let liftSuppression = """
        INSERT INTO store_meta(key, value) VALUES ('suppression_lifted', '1')
            ON CONFLICT (key) DO UPDATE SET value = (store_meta.value::bigint + 1)::text;
        """
}
