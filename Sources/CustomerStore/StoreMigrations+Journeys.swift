extension StoreMigrations {
    /// Journeys: one `enrolment` row per (journey, customer, entry occurrence), and the journey
    /// and step a send-log row belongs to.
    ///
    /// `UNIQUE (journey, customer_id, entered_at)` and the partial unique index on active rows
    /// (`ended IS NULL`) make a second enrolment impossible, whatever ticks overlap, crash or are
    /// re-run. `wait_ends_at` is computed once, when the wait starts, and kept across edits of the
    /// journey. `customer_id` becomes NULL when the customer is erased (the row ends `left`,
    /// detail `erased`, first). A journey send's row has `rule` = `JOURNEY/STEP` and
    /// `window_key` = the enrolment's `entered_at`, so the send log's own uniqueness holds one row
    /// per step and entry occurrence.
    static let enrolmentsV3 = """
        CREATE TABLE enrolment (
            id            INTEGER PRIMARY KEY,
            journey       TEXT NOT NULL,
            customer_id   INTEGER REFERENCES customer(id) ON DELETE SET NULL,
            entered_at    INTEGER NOT NULL CHECK (typeof(entered_at) = 'integer'),
            journey_hash  TEXT NOT NULL,
            holdout       INTEGER NOT NULL DEFAULT 0 CHECK (holdout IN (0, 1)),
            step          TEXT NOT NULL,
            step_since    INTEGER NOT NULL,
            wait_ends_at  INTEGER NOT NULL,
            ended         TEXT CHECK (ended IS NULL OR ended IN ('completed', 'goal', 'left')),
            ended_detail  TEXT,
            ended_at      INTEGER,
            CHECK ((ended IS NULL) = (ended_at IS NULL)),
            UNIQUE (journey, customer_id, entered_at)
        );
        CREATE UNIQUE INDEX enrolment_active ON enrolment(journey, customer_id) WHERE ended IS NULL;
        CREATE INDEX enrolment_due ON enrolment(journey, step, wait_ends_at) WHERE ended IS NULL;
        CREATE INDEX enrolment_by_customer ON enrolment(customer_id, journey, entered_at);
        ALTER TABLE send ADD COLUMN journey TEXT;
        ALTER TABLE send ADD COLUMN step TEXT;
        CREATE INDEX send_by_journey ON send(journey, step, decided_at) WHERE journey IS NOT NULL;
        """
}
