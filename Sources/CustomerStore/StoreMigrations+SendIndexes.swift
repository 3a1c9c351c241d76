extension StoreMigrations {
    /// One index per lookup on `send`: `send_by_rule_customer(rule, customer_id, decided_at)`
    /// goes, the unique index of `UNIQUE(rule, customer_id, window_key)` serves the same lookups
    /// (a rule's rows, one customer's rows of a rule: a few windows each) and every row a tick
    /// writes has one index fewer to enter. Existing stores just lose the index.
    static let sendOneRuleIndexV5 = """
        DROP INDEX IF EXISTS send_by_rule_customer;
        """
}
