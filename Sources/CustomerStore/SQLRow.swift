/// A row of a query with its columns named as the query names them, in order: what a store
/// that is not SQLite (the PostgreSQL store) gives for records decoded by column name
/// (`SQLRowDecodable`, `SendRecord(row:)`). Values are as SQLite would give them (`SQLValue`).
public struct SQLRow: Hashable, Sendable, NamedColumns {
    /// The columns' names, left to right.
    public let columns: [String]
    /// The columns' values, in `columns` order.
    public let values: [SQLValue]

    /// A row of `columns` holding `values` (as many).
    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value of the column named `name`: the leftmost column of exactly that name, else the
    /// leftmost whose name differs only in case (SQLite's lookup); nil when there is none.
    public func sqlValue(forColumn name: String) -> SQLValue? {
        if let index = columns.firstIndex(of: name) { return values[index] }
        let lowered = name.lowercased()
        return columns.firstIndex { $0.lowercased() == lowered }.map { values[$0] }
    }

    /// `sqlValue(forColumn:)`.
    public subscript(column: String) -> SQLValue? { sqlValue(forColumn: column) }
}
