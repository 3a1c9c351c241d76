extension StoreMigrations {
    /// One index per lookup on `send`: `send_by_rule_customer(rule, customer_id, decided_at)`
    /// goes, the unique index of `UNIQUE(rule, customer_id, window_key)` serves the same lookups
    /// (a rule's rows, one customer's rows of a rule: a few windows each) and every row a tick
    /// writes has one index fewer to enter. Existing stores just lose the index.
    static let sendOneRuleIndexV5 = """
        DROP INDEX IF EXISTS send_by_rule_customer;
        """

    /// `v9-send-due-by-id`: `send_due` names `id` after `due_at`, the order every claim takes
    /// (`ORDER BY due_at, id`). SQLite's index already ended with the rowid, so its order is
    /// unchanged; PostgreSQL's did not, and sorted the whole queue for every claim of a few rows
    /// (its twin). Rebuilding it reads the send log once and enters only its queued and in-flight rows.
    static let sendDueByIDV9 = """
        DROP INDEX send_due;
        CREATE INDEX send_due ON send(due_at, id) WHERE status IN ('queued', 'in_flight');
        """
}

extension StoreMigrations {
    /// `v10-send-checks-without-lists`: `send`'s `channel` and `status` checks spelt as `=`
    /// comparisons joined by `OR` instead of `IN` lists. SQLite builds a temporary b-tree for an
    /// `IN` list of more than two constants each time the statement runs, and a check runs once
    /// per written row: two such b-trees opened, filled and closed for every decision a tick
    /// records and every status the dispatcher writes (1M customers, 426,750 decisions: 5.2–5.5 →
    /// 4.1–4.3 s a tick). The allowed values are the same; `purpose`'s two-value list compiles to
    /// comparisons already.
    ///
    /// SQLite cannot change a column's check in place, so the table is made again: its rows
    /// copied aside with their ids, the table dropped and created with the new checks, the rows
    /// copied back, the indexes made again. Not with a rename of a new table (the usual
    /// https://www.sqlite.org/lang_altertable.html#otheralter): a rename opens the connection's
    /// temporary database for good, and the pool's writer must still change its temporary
    /// storage inside an import's transaction (`BulkLoad.finish`). Nothing references `send` (no
    /// foreign key, trigger or view), so the steps are safe with foreign keys on, and the copy
    /// back checks each row's `customer_id` against `customer`. Reads and writes the send log twice.
    static let sendChecksWithoutListsV10 = """
        CREATE TABLE send_v9_rows AS SELECT \(sendColumnsV10) FROM send;
        DROP TABLE send;
        CREATE TABLE send (
            id          INTEGER PRIMARY KEY,
            send_id     TEXT NOT NULL UNIQUE,
            rule        TEXT NOT NULL,
            rule_hash   TEXT NOT NULL,
            customer_id INTEGER REFERENCES customer(id) ON DELETE SET NULL,
            channel     TEXT NOT NULL CHECK (channel = 'email' OR channel = 'letter' OR channel = 'webhook'),
            target      TEXT NOT NULL,
            window_key  INTEGER NOT NULL,
            decided_at  INTEGER NOT NULL CHECK (typeof(decided_at) = 'integer'),
            status      TEXT NOT NULL CHECK (
                status = 'queued' OR status = 'in_flight' OR status = 'sent'
                OR status = 'failed' OR status = 'holdout' OR status = 'skipped'),
            reason      TEXT,
            evidence    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
            due_at      INTEGER,
            attempts    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  INTEGER NOT NULL,
            journey     TEXT,
            step        TEXT,
            purpose     TEXT NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'service')),
            coupon      TEXT,
            variant     TEXT,
            owner       TEXT,
            lease_until INTEGER,
            UNIQUE (rule, customer_id, window_key)
        );
        INSERT INTO send(\(sendColumnsV10)) SELECT \(sendColumnsV10) FROM send_v9_rows ORDER BY id;
        DROP TABLE send_v9_rows;
        CREATE INDEX send_by_customer ON send(customer_id, decided_at);
        CREATE INDEX send_received ON send(rule, customer_id, updated_at) WHERE status = 'sent';
        CREATE INDEX send_by_journey ON send(journey, step, decided_at) WHERE journey IS NOT NULL;
        CREATE INDEX send_variant_by_rule ON send(rule, decided_at) WHERE variant IS NOT NULL AND journey IS NULL;
        CREATE INDEX send_claims ON send(lease_until) WHERE status = 'in_flight';
        CREATE INDEX send_due ON send(due_at, id) WHERE status IN ('queued', 'in_flight');
        """

    /// Every column of `send` after `v8-send-leases`, in table order.
    private static let sendColumnsV10 = """
        id, send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, reason,
            evidence, due_at, attempts, last_error, updated_at, journey, step, purpose, coupon, variant, owner, lease_until
        """
}
