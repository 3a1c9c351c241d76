import CustomerStore

extension SQLDialect {
    /// How a scan of every customer's facts (`customer_facts f`) reaches the customer row `c`
    /// for a condition that tests the customer's own columns (`testsCustomerRow`) or not.
    ///
    /// Without such tests the facts decide alone, and the row is looked up for the matches only
    /// (`orderedJoin`). With them, SQLite still reads the facts first (its cheap tests run in the
    /// written order, `testsRunInWrittenOrder`), while PostgreSQL's planner is left to join: a
    /// selective customer test (`city = "Helsinki"`) is best read first and hash-joined, where
    /// looking up the row of every customer the facts keep cost it several times as much
    /// (docs/performance.md, "PostgreSQL: `plan`").
    func customerJoin(testsCustomerRow: Bool) -> String {
        testsCustomerRow && !testsRunInWrittenOrder
            ? "JOIN customer c ON c.id = f.customer_id" : orderedJoin("customer", "c", "c.id = f.customer_id")
    }
}
