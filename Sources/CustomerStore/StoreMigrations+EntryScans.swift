extension StoreMigrations {
    /// What a journey's entry scan needs to skip unchanged customers (docs/store.md, "Changes
    /// since a journey's entry scan").
    ///
    /// `customer_change` has one row per customer whose data was ever written after this
    /// migration (every customer, seeded here): `seq` is one above the highest `seq` at each
    /// write, so the customers changed since a scan are those above the highest `seq` the scan's
    /// snapshot saw; `latest_at` is the latest time in the customer's history (purchases,
    /// feedback, consents, events), so history dated after a scan's instant is found too. Every
    /// fact-bearing write reaches it through `customer_facts` (whose own triggers follow every
    /// purchase, feedback, consent and event), the customer row and the tags. Rows stay when a
    /// customer is erased, so `seq` never goes down. The `suppression_lifted` counter in
    /// `store_meta` counts suppression entries removed or changed: those are not one customer's.
    ///
    /// `journey_entry_scan` keeps, per journey, the last tick's entry scan: the compiled entry
    /// condition it ran (`signature`), the tick's instant, the highest `seq` and the
    /// `suppression_lifted` count its snapshot saw.
    static let entryScansV5 = """
        CREATE TABLE customer_change (
            customer_id INTEGER PRIMARY KEY,
            seq         INTEGER NOT NULL,
            latest_at   INTEGER
        );
        CREATE INDEX customer_change_by_seq ON customer_change(seq);
        CREATE INDEX customer_change_by_latest ON customer_change(latest_at);
        INSERT INTO customer_change(customer_id, seq, latest_at)
            SELECT customer_id, 0, \(latest("")) FROM customer_facts;

        CREATE TRIGGER customer_change_facts_insert AFTER INSERT ON customer_facts BEGIN
            \(mark("new.customer_id", latest: latest("new.")))
        END;
        CREATE TRIGGER customer_change_facts_update AFTER UPDATE ON customer_facts BEGIN
            \(mark("new.customer_id", latest: latest("new.")))
        END;
        CREATE TRIGGER customer_change_customer_update AFTER UPDATE ON customer BEGIN
            \(mark("old.id")) \(mark("new.id"))
        END;
        CREATE TRIGGER customer_change_tag_insert AFTER INSERT ON customer_tag BEGIN \(mark("new.customer_id")) END;
        CREATE TRIGGER customer_change_tag_delete AFTER DELETE ON customer_tag BEGIN \(mark("old.customer_id")) END;
        CREATE TRIGGER customer_change_tag_update AFTER UPDATE ON customer_tag BEGIN
            \(mark("old.customer_id")) \(mark("new.customer_id"))
        END;
        CREATE TRIGGER suppression_lifted_delete AFTER DELETE ON suppression BEGIN \(liftSuppression) END;
        CREATE TRIGGER suppression_lifted_update AFTER UPDATE ON suppression BEGIN \(liftSuppression) END;

        CREATE TABLE journey_entry_scan (
            journey            TEXT PRIMARY KEY NOT NULL,
            signature          TEXT NOT NULL,
            scanned_at         INTEGER NOT NULL CHECK (typeof(scanned_at) = 'integer'),
            watermark          INTEGER NOT NULL,
            suppression_lifted INTEGER NOT NULL
        ) WITHOUT ROWID;
        """

    /// The latest time in a `customer_facts` row's history (`prefix` names the row).
    static func latest(_ prefix: String) -> String {
        let columns = ["last_purchase_at", "last_feedback_at", "email_consent_at", "letter_consent_at", "webhook_consent_at", "last_event_at"]
        return "max(" + columns.map { "coalesce(\(prefix)\($0), 0)" }.joined(separator: ", ") + ")"
    }

    /// Marks customer `who` changed; with `latest`, sets the latest time in their history too.
    private static func mark(_ who: String, latest: String = "NULL") -> String {
        """
        INSERT INTO customer_change(customer_id, seq, latest_at)
            VALUES (\(who), (SELECT coalesce(max(seq), 0) + 1 FROM customer_change), \(latest))
            ON CONFLICT(customer_id) DO UPDATE SET seq = excluded.seq, latest_at = coalesce(excluded.latest_at, latest_at);
        """
    }

    private static let liftSuppression = """
        INSERT INTO store_meta(key, value) VALUES ('suppression_lifted', '1')
            ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
        """
}
