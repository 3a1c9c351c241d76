extension StoreMigrations {
    /// Service messages (`purpose service`): each send-log row records its purpose, so the
    /// contact-pressure cap counts marketing only and the dispatcher leaves `List-Unsubscribe`
    /// off service mail. Rows written before were webhooks (service) or messages (marketing).
    static let sendPurposeV4 = """
        ALTER TABLE send ADD COLUMN purpose TEXT NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'service'));
        UPDATE send SET purpose = 'service' WHERE channel = 'webhook';
        """

    /// Coupon pools: one row per imported code. `send_id` is the send it was handed to (NULL
    /// while free); the send-log row carries the code too (`send.coupon`), so a retry or resend
    /// renders the same one. `redeemed_at` comes from a purchase naming the code. The uniqueness
    /// of `send_id` is a partial index over assigned codes: a plain UNIQUE column would tempt the
    /// planner to look free codes (`send_id IS NULL`) up in it, one scan of the pool per send.
    static let couponPoolsV4 = """
        CREATE TABLE coupon (
            code         TEXT PRIMARY KEY NOT NULL,
            pool         TEXT NOT NULL,
            expires_at   INTEGER,
            imported_at  INTEGER NOT NULL,
            send_id      TEXT,
            assigned_at  INTEGER,
            redeemed_at  INTEGER,
            CHECK ((send_id IS NULL) = (assigned_at IS NULL))
        ) WITHOUT ROWID;
        CREATE INDEX coupon_free ON coupon(pool, expires_at) WHERE send_id IS NULL;
        CREATE UNIQUE INDEX coupon_by_send ON coupon(send_id) WHERE send_id IS NOT NULL;
        ALTER TABLE send ADD COLUMN coupon TEXT;
        ALTER TABLE purchase ADD COLUMN coupon TEXT;
        CREATE INDEX purchase_by_coupon ON purchase(coupon) WHERE coupon IS NOT NULL;
        CREATE TRIGGER purchase_redeems_coupon_insert AFTER INSERT ON purchase WHEN new.coupon IS NOT NULL BEGIN
            UPDATE coupon SET redeemed_at = new.at WHERE code = new.coupon AND (redeemed_at IS NULL OR redeemed_at > new.at);
        END;
        CREATE TRIGGER purchase_redeems_coupon_update AFTER UPDATE OF coupon ON purchase WHEN new.coupon IS NOT NULL BEGIN
            UPDATE coupon SET redeemed_at = new.at WHERE code = new.coupon AND (redeemed_at IS NULL OR redeemed_at > new.at);
        END;
        """

    /// A tick's codes went to sends with random ids, so each assignment inserted at a random place
    /// in `coupon_by_send` and, at 1M customers, the tick's writer spent most of the pools' cost
    /// reading and spilling that index's pages (issue 16's bar; docs/performance.md). Nothing
    /// needs it: a send finds its code through `send.coupon` and the code's primary key, and a
    /// code's one send is its `send_id` column. One send holding two codes is ruled out where
    /// codes are handed out (`CouponWriter`: one code per recorded send).
    static let couponNoSendIndexV6 = "DROP INDEX IF EXISTS coupon_by_send;"
}
