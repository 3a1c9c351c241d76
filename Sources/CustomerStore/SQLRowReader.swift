/// A read-only snapshot of a store that is not SQLite (the PostgreSQL store's): it runs SQL
/// written with `?` placeholders in the store's `SQLDialect` and returns every row, values as
/// SQLite would give them (booleans as 0 and 1, whole numbers as integers). The evaluation's
/// `Evaluator.evaluate(only:reading:)` runs on one.
public protocol SQLRowReader {
    func rows(_ sql: String, arguments: [SQLValue]) async throws -> [[SQLValue]]
}
