extension CustomerStore {
    /// The SQL dialect this store speaks, for the rule compiler (`Evaluator(dialect:)`).
    public var dialect: SQLDialect { .sqlite }
}
