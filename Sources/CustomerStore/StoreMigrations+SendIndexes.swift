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
