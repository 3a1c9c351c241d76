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

    /// `v11-coupon-integer-key`: `coupon` becomes a rowid table keyed by an integer `id`, the code
    /// `UNIQUE`, and `coupon_free` ends with the code (`(pool, expires_at, code)`, over free codes
    /// as before). A tick marks every code it hands out (`send_id`, `assigned_at`); in a
    /// `WITHOUT ROWID` table keyed by the code each mark searched the table by text and rewrote
    /// the row as a delete and an insert, and at 1M customers with three pools the marks were
    /// about half of what the pools added to a tick (issue 16's bar). Marked by `id`, the row is
    /// found by an integer and rewritten in place: 257,754 marks in the sqlite3 shell, 0.53 →
    /// 0.33 s. Codes keep their order (earliest expiry first, NULL first, then by code: the
    /// index's order, the same as PostgreSQL's `ORDER BY expires_at NULLS FIRST, code`).
    ///
    /// The table is made again as `v10-send-checks-without-lists` makes `send` (copied aside,
    /// dropped, created, copied back, index made again); nothing references `coupon` by key, the
    /// purchase triggers name it only in their bodies.
    static let couponIntegerKeyV11 = """
        CREATE TABLE coupon_v10_rows AS
            SELECT code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at FROM coupon;
        DROP TABLE coupon;
        CREATE TABLE coupon (
            id           INTEGER PRIMARY KEY,
            code         TEXT NOT NULL UNIQUE,
            pool         TEXT NOT NULL,
            expires_at   INTEGER,
            imported_at  INTEGER NOT NULL,
            send_id      TEXT,
            assigned_at  INTEGER,
            redeemed_at  INTEGER,
            CHECK ((send_id IS NULL) = (assigned_at IS NULL))
        );
        INSERT INTO coupon(code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at)
            SELECT code, pool, expires_at, imported_at, send_id, assigned_at, redeemed_at FROM coupon_v10_rows ORDER BY pool, code;
        DROP TABLE coupon_v10_rows;
        CREATE INDEX coupon_free ON coupon(pool, expires_at, code) WHERE send_id IS NULL;
        """
}

extension StoreMigrations {
    /// `v12-coupon-queue`: a pool's codes form a queue. Each code has its `place` in its pool's
    /// queue, and `coupon_pool.handed_through` is the place the queue has been handed out
    /// through: codes at or before it went to sends (or had expired when the queue passed
    /// them), codes after it are free. A tick moves that one number per pool instead of marking
    /// every code it hands out (`send_id`, `assigned_at`, and the partial index `coupon_free`
    /// over free codes): at 1M customers with three pools the marks were most of what the pools
    /// added to a tick (issue 16's bar; docs/performance.md). A code's send is the send row
    /// carrying it (`send.coupon`; a send that gives its code back loses it), so the two columns
    /// go. A code given back is queued again at the end of its pool (`CouponQueue.releaseSQL`);
    /// an import queues the new codes with the free ones again (`CouponQueue.requeueSQL`).
    ///
    /// Existing codes keep what they were: codes held by a send come first, in the order they
    /// were handed out, the pool handed out through the last of them; the free ones follow in
    /// the order they would have gone (codes without an expiry first, then by expiry, then by
    /// code).
    static let couponQueueV12 = """
        CREATE TABLE coupon_pool (
            pool           TEXT PRIMARY KEY NOT NULL,
            handed_through INTEGER NOT NULL CHECK (handed_through >= 0)
        ) WITHOUT ROWID;
        INSERT INTO coupon_pool(pool, handed_through) SELECT pool, count(send_id) FROM coupon GROUP BY pool;
        CREATE TABLE coupon_v11_rows AS
            SELECT id, code, pool, row_number() OVER (
                       PARTITION BY pool
                       ORDER BY send_id IS NULL, assigned_at, expires_at IS NOT NULL, expires_at, code) AS place,
                   expires_at, imported_at, redeemed_at
            FROM coupon;
        DROP TABLE coupon;
        CREATE TABLE coupon (
            id           INTEGER PRIMARY KEY,
            code         TEXT NOT NULL UNIQUE,
            pool         TEXT NOT NULL,
            place        INTEGER NOT NULL CHECK (place >= 0),
            expires_at   INTEGER,
            imported_at  INTEGER NOT NULL,
            redeemed_at  INTEGER
        );
        INSERT INTO coupon(id, code, pool, place, expires_at, imported_at, redeemed_at)
            SELECT id, code, pool, place, expires_at, imported_at, redeemed_at FROM coupon_v11_rows ORDER BY id;
        DROP TABLE coupon_v11_rows;
        CREATE INDEX coupon_queue ON coupon(pool, place, expires_at);
        """
}
