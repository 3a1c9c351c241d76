import GRDB

/// The store's named migrations. A shipped migration is never edited; changes come as new ones.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-customers-and-history") { db in
            try db.execute(sql: schemaV1)
        }
        migrator.registerMigration("v1-facts-triggers") { db in
            try db.execute(sql: factsTriggersV1)
        }
        migrator.registerMigration("v2-send-log") { db in
            try db.execute(sql: sendLogV2)
        }
        migrator.registerMigration("v3-segment-membership") { db in
            try db.execute(sql: segmentMembershipV3)
        }
        migrator.registerMigration("v3-journey-enrolments") { db in
            try db.execute(sql: enrolmentsV3)
        }
        migrator.registerMigration("v4-send-purpose") { db in
            try db.execute(sql: sendPurposeV4)
        }
        migrator.registerMigration("v4-coupon-pools") { db in
            try db.execute(sql: couponPoolsV4)
        }
        migrator.registerMigration("v4-send-variant") { db in
            try db.execute(sql: sendVariantV4)
        }
        migrator.registerMigration("v4-variant-winners") { db in
            try db.execute(sql: variantWinnersV4)
        }
        migrator.registerMigration("v5-send-variant-by-rule") { db in
            try db.execute(sql: sendVariantByRuleV5)
        }
        migrator.registerMigration("v5-journey-entry-scans") { db in
            try db.execute(sql: entryScansV5)
        }
        migrator.registerMigration("v5-send-one-rule-index") { db in
            try db.execute(sql: sendOneRuleIndexV5)
        }
        migrator.registerMigration("v6-coupon-no-send-index") { db in
            try db.execute(sql: couponNoSendIndexV6)
        }
        // The PostgreSQL twin marks two plpgsql functions parallel unsafe; SQLite's functions
        // are registered on each connection, so there is nothing to change here. The twin keeps
        // both stores' migration lists the same.
        migrator.registerMigration("v7-functions-parallel-unsafe") { _ in }
        migrator.registerMigration("v8-send-leases") { db in
            try db.execute(sql: sendLeasesV8)
        }
        // SQLite has `instr`; the PostgreSQL twin defines it, so the send log's SQL (the erasure
        // scrub) is the same in both stores.
        migrator.registerMigration("v8-instr-function") { _ in }
        migrator.registerMigration("v8-daemons") { db in
            try db.execute(sql: daemonsV8)
        }
        migrator.registerMigration("v9-send-due-by-id") { db in
            try db.execute(sql: sendDueByIDV9)
        }
        // Foreign keys stay on: the steps are safe with them (see the SQL's comment), and the
        // deferred check would scan every table of the store, the purchases included.
        migrator.registerMigration("v10-send-checks-without-lists", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: sendChecksWithoutListsV10)
        }
        migrator.registerMigration("v11-coupon-integer-key", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: couponIntegerKeyV11)
        }
        migrator.registerMigration("v12-coupon-queue", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: couponQueueV12)
        }
        return migrator
    }

    /// Tables. Times are Unix seconds (INTEGER, UTC); money is INTEGER minor units of the store currency.
    static let schemaV1 = """
        CREATE TABLE store_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE customer (
            id          INTEGER PRIMARY KEY,
            external_id TEXT NOT NULL UNIQUE,
            email       TEXT,
            name        TEXT,
            phone       TEXT,
            street      TEXT,
            postal_code TEXT,
            city        TEXT,
            country     TEXT,
            birthday    TEXT CHECK (birthday IS NULL OR birthday GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
            joined_at   INTEGER CHECK (joined_at IS NULL OR typeof(joined_at) = 'integer'),
            time_zone   TEXT,
            locale      TEXT,
            attributes  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes))
        );

        CREATE TABLE customer_tag (
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            tag         TEXT NOT NULL,
            PRIMARY KEY (customer_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX customer_tag_by_tag ON customer_tag(tag, customer_id);

        CREATE TABLE purchase (
            id           INTEGER PRIMARY KEY,
            customer_id  INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            order_ref    TEXT NOT NULL UNIQUE,
            at           INTEGER NOT NULL CHECK (typeof(at) = 'integer'),
            amount_minor INTEGER NOT NULL CHECK (typeof(amount_minor) = 'integer' AND amount_minor >= 0),
            currency     TEXT NOT NULL
        );
        CREATE INDEX purchase_by_customer ON purchase(customer_id, at, amount_minor);

        CREATE TABLE event (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            name        TEXT NOT NULL,
            at          INTEGER NOT NULL CHECK (typeof(at) = 'integer'),
            properties  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
            UNIQUE (customer_id, name, at)
        );
        CREATE INDEX event_by_name ON event(name, at, customer_id);

        CREATE TABLE feedback (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            kind        TEXT NOT NULL CHECK (kind IN ('nps', 'csat', 'ces')),
            score       INTEGER NOT NULL CHECK (typeof(score) = 'integer' AND score BETWEEN 0 AND 10),
            at          INTEGER NOT NULL CHECK (typeof(at) = 'integer'),
            comment     TEXT,
            UNIQUE (customer_id, kind, at)
        );

        CREATE TABLE consent (
            id          INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            channel     TEXT NOT NULL CHECK (channel IN ('email', 'letter', 'webhook')),
            status      TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
            at          INTEGER NOT NULL CHECK (typeof(at) = 'integer'),
            basis       TEXT,
            source      TEXT,
            UNIQUE (customer_id, channel, at, status)
        );

        CREATE TABLE suppression (
            channel TEXT NOT NULL CHECK (channel IN ('email', 'letter', 'webhook')),
            address TEXT NOT NULL,
            reason  TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'erased', 'manual')),
            at      INTEGER NOT NULL CHECK (typeof(at) = 'integer'),
            PRIMARY KEY (channel, address)
        ) WITHOUT ROWID;

        -- Per-customer facts, kept current by the triggers of the next migration.
        CREATE TABLE customer_facts (
            customer_id        INTEGER PRIMARY KEY REFERENCES customer(id) ON DELETE CASCADE,
            orders             INTEGER NOT NULL DEFAULT 0,
            spent_minor        INTEGER NOT NULL DEFAULT 0,
            first_purchase_at  INTEGER,
            last_purchase_at   INTEGER,
            last_feedback_at   INTEGER,
            nps_score          INTEGER,
            nps_at             INTEGER,
            csat_score         INTEGER,
            csat_at            INTEGER,
            ces_score          INTEGER,
            ces_at             INTEGER,
            email_consent      TEXT,
            email_consent_at   INTEGER,
            letter_consent     TEXT,
            letter_consent_at  INTEGER,
            webhook_consent    TEXT,
            webhook_consent_at INTEGER,
            last_event_at      INTEGER
        );

        -- Per-customer, per-event-name facts.
        CREATE TABLE customer_event_facts (
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            name        TEXT NOT NULL,
            count       INTEGER NOT NULL,
            first_at    INTEGER NOT NULL,
            last_at     INTEGER NOT NULL,
            PRIMARY KEY (customer_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX customer_event_facts_by_name ON customer_event_facts(name, last_at);
        """

    /// Triggers that keep `customer_facts` and `customer_event_facts` right for every writer,
    /// campaignd's import or a shop's own system. Inserts update facts by increment; updates
    /// and deletes recompute only the affected customer's values through an index.
    static let factsTriggersV1 = """
        CREATE TRIGGER customer_facts_row AFTER INSERT ON customer BEGIN
            INSERT INTO customer_facts(customer_id) VALUES (new.id);
        END;

        CREATE TRIGGER purchase_facts_insert AFTER INSERT ON purchase BEGIN
            UPDATE customer_facts SET
                orders = orders + 1,
                spent_minor = spent_minor + new.amount_minor,
                first_purchase_at = min(coalesce(first_purchase_at, new.at), new.at),
                last_purchase_at = max(coalesce(last_purchase_at, new.at), new.at)
            WHERE customer_id = new.customer_id;
        END;

        \(purchaseChangeTriggers)
        \(feedbackTriggers)
        \(consentTriggers)
        \(eventTriggers)
        """

    /// Deleting or changing a purchase takes it off the old customer's count and total and adds it
    /// to the new one's; first and last purchase are read back through `purchase_by_customer`.
    private static var purchaseChangeTriggers: String {
        let adjust = { (row: String, sign: String) in
            """
            UPDATE customer_facts SET
                orders = orders \(sign) 1,
                spent_minor = spent_minor \(sign) \(row).amount_minor,
                first_purchase_at = (SELECT min(at) FROM purchase WHERE customer_id = \(row).customer_id),
                last_purchase_at = (SELECT max(at) FROM purchase WHERE customer_id = \(row).customer_id)
            WHERE customer_id = \(row).customer_id;
            """
        }
        return """
            CREATE TRIGGER purchase_facts_delete AFTER DELETE ON purchase BEGIN \(adjust("old", "-")) END;
            CREATE TRIGGER purchase_facts_update AFTER UPDATE OF customer_id, at, amount_minor ON purchase BEGIN
                \(adjust("old", "-")) \(adjust("new", "+"))
            END;
            """
    }

    /// Latest score per kind (ties: the later row wins), and the latest feedback of any kind.
    private static var feedbackTriggers: String {
        let recompute = { (who: String) in
            """
            UPDATE customer_facts SET
                last_feedback_at = (SELECT max(at) FROM feedback WHERE customer_id = \(who)),
                \(["nps", "csat", "ces"].map { kind in """
                \(kind)_score = (SELECT score FROM feedback WHERE customer_id = \(who) AND kind = '\(kind)' ORDER BY at DESC, id DESC LIMIT 1),
                    \(kind)_at = (SELECT max(at) FROM feedback WHERE customer_id = \(who) AND kind = '\(kind)')
            """ }.joined(separator: ",\n"))
            WHERE customer_id = \(who);
            """
        }
        return """
            CREATE INDEX feedback_by_customer ON feedback(customer_id, kind, at);
            CREATE TRIGGER feedback_facts_insert AFTER INSERT ON feedback BEGIN \(recompute("new.customer_id")) END;
            CREATE TRIGGER feedback_facts_delete AFTER DELETE ON feedback BEGIN \(recompute("old.customer_id")) END;
            CREATE TRIGGER feedback_facts_update AFTER UPDATE ON feedback BEGIN
                \(recompute("old.customer_id")) \(recompute("new.customer_id"))
            END;
            """
    }

    /// Current consent per channel: the latest record wins; at the same instant, withdrawal wins.
    private static var consentTriggers: String {
        let recompute = { (who: String, channel: String) in
            ["email", "letter", "webhook"].map { name in
                """
                UPDATE customer_facts SET
                    \(name)_consent = (SELECT status FROM consent WHERE customer_id = \(who) AND channel = '\(name)'
                                       ORDER BY at DESC, status = 'withdrawn' DESC LIMIT 1),
                    \(name)_consent_at = (SELECT max(at) FROM consent WHERE customer_id = \(who) AND channel = '\(name)')
                WHERE customer_id = \(who) AND \(channel) = '\(name)';
                """
            }.joined(separator: "\n")
        }
        return """
            CREATE INDEX consent_by_customer ON consent(customer_id, channel, at);
            CREATE TRIGGER consent_facts_insert AFTER INSERT ON consent BEGIN \(recompute("new.customer_id", "new.channel")) END;
            CREATE TRIGGER consent_facts_delete AFTER DELETE ON consent BEGIN \(recompute("old.customer_id", "old.channel")) END;
            CREATE TRIGGER consent_facts_update AFTER UPDATE ON consent BEGIN
                \(recompute("old.customer_id", "old.channel")) \(recompute("new.customer_id", "new.channel"))
            END;
            """
    }

    /// Count, first and last time per (customer, event name), and the latest event of any name.
    private static var eventTriggers: String {
        let recompute = { (who: String, name: String) in
            """
            DELETE FROM customer_event_facts WHERE customer_id = \(who) AND name = \(name);
            INSERT INTO customer_event_facts(customer_id, name, count, first_at, last_at)
                SELECT customer_id, name, count(*), min(at), max(at) FROM event
                WHERE customer_id = \(who) AND name = \(name) GROUP BY customer_id, name;
            UPDATE customer_facts SET last_event_at = (SELECT max(last_at) FROM customer_event_facts WHERE customer_id = \(who))
                WHERE customer_id = \(who);
            """
        }
        return """
            CREATE TRIGGER event_facts_insert AFTER INSERT ON event BEGIN
                INSERT INTO customer_event_facts(customer_id, name, count, first_at, last_at)
                    VALUES (new.customer_id, new.name, 1, new.at, new.at)
                    ON CONFLICT(customer_id, name) DO UPDATE SET
                        count = count + 1, first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
                UPDATE customer_facts SET last_event_at = max(coalesce(last_event_at, new.at), new.at)
                    WHERE customer_id = new.customer_id;
            END;
            CREATE TRIGGER event_facts_delete AFTER DELETE ON event BEGIN \(recompute("old.customer_id", "old.name")) END;
            CREATE TRIGGER event_facts_update AFTER UPDATE ON event BEGIN
                \(recompute("old.customer_id", "old.name")) \(recompute("new.customer_id", "new.name"))
            END;
            """
    }

    /// The send log (outbox): one row per decision a tick recorded for a rule and a customer.
    ///
    /// `window_key` makes a second queueing for the same (rule, customer, limit window)
    /// impossible. `decided_at` is the tick's instant; limits and the contact-pressure cap count
    /// rows by it. `customer_id` becomes NULL when the customer is erased, the row stays.
    static let sendLogV2 = """
        CREATE TABLE send (
            id          INTEGER PRIMARY KEY,
            send_id     TEXT NOT NULL UNIQUE,
            rule        TEXT NOT NULL,
            rule_hash   TEXT NOT NULL,
            customer_id INTEGER REFERENCES customer(id) ON DELETE SET NULL,
            channel     TEXT NOT NULL CHECK (channel IN ('email', 'letter', 'webhook')),
            target      TEXT NOT NULL,
            window_key  INTEGER NOT NULL,
            decided_at  INTEGER NOT NULL CHECK (typeof(decided_at) = 'integer'),
            status      TEXT NOT NULL CHECK (status IN ('queued', 'in_flight', 'sent', 'failed', 'holdout', 'skipped')),
            reason      TEXT,
            evidence    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
            due_at      INTEGER,
            attempts    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  INTEGER NOT NULL,
            UNIQUE (rule, customer_id, window_key)
        );
        CREATE INDEX send_by_rule_customer ON send(rule, customer_id, decided_at);
        CREATE INDEX send_by_customer ON send(customer_id, decided_at);
        CREATE INDEX send_due ON send(due_at) WHERE status IN ('queued', 'in_flight');
        -- Birthday rules look up the few month-days that can be "today" somewhere.
        CREATE INDEX customer_birthday_month_day ON customer(substr(birthday, 6));
        """

    /// Segment membership history for `entered S` / `left S` (`SegmentMembershipWriter`), and the
    /// index that finds a rule's delivered sends (`received "RULE"`).
    ///
    /// `segment_tracking` has a row per segment whose transitions some condition reads: `since`
    /// is the evaluation that first recorded its membership (which fires no transitions),
    /// `evaluated_at` the latest. `segment_membership` keeps one row per interval a customer spent
    /// in the segment, `[entered_at, left_at)`, `left_at` NULL while it lasts: only changes are
    /// written. Rows go with their customer (erasure) and with their segment's tracking.
    static let segmentMembershipV3 = """
        CREATE TABLE segment_tracking (
            segment      TEXT PRIMARY KEY,
            since        INTEGER NOT NULL,
            evaluated_at INTEGER NOT NULL CHECK (evaluated_at >= since)
        );
        CREATE TABLE segment_membership (
            segment     TEXT NOT NULL REFERENCES segment_tracking(segment) ON DELETE CASCADE,
            customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            entered_at  INTEGER NOT NULL,
            left_at     INTEGER CHECK (left_at IS NULL OR left_at > entered_at),
            PRIMARY KEY (segment, customer_id, entered_at)
        ) WITHOUT ROWID;
        -- At most one open interval per (segment, customer); the tick reads the open ones.
        CREATE UNIQUE INDEX segment_membership_open ON segment_membership(segment, customer_id) WHERE left_at IS NULL;
        -- `entered S in last N days` and `left S in last N days` read a time range of one segment.
        CREATE INDEX segment_membership_entered ON segment_membership(segment, entered_at);
        CREATE INDEX segment_membership_left ON segment_membership(segment, left_at) WHERE left_at IS NOT NULL;
        CREATE INDEX segment_membership_customer ON segment_membership(customer_id);
        -- `received "RULE"`: a rule's delivered sends, per customer, by delivery time.
        CREATE INDEX send_received ON send(rule, customer_id, updated_at) WHERE status = 'sent';
        """
}
