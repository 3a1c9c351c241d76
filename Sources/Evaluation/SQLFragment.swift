import CustomerStore
import GRDB

/// A piece of SQL with its `?` arguments in order. Rule text only ever travels in `arguments`.
struct SQLFragment: Sendable {
    var sql: String
    var arguments: [DatabaseValue]
    /// A rough per-row cost, used to order `and`/`or` terms cheapest first.
    var cost: Int

    init(_ sql: String, _ arguments: [DatabaseValue] = [], cost: Int = 1) {
        self.sql = sql
        self.arguments = arguments
        self.cost = cost
    }

    /// One bound value: `?`.
    static func value(_ value: DatabaseValue) -> SQLFragment {
        SQLFragment("?", [value], cost: 0)
    }

    /// Joins fragments with `separator`, keeping arguments in order.
    static func joined(_ parts: [SQLFragment], separator: String) -> SQLFragment {
        SQLFragment(
            parts.map(\.sql).joined(separator: separator),
            parts.flatMap(\.arguments),
            cost: parts.reduce(0) { $0 + $1.cost })
    }

    /// `template` with each `{}` replaced by the next fragment, in order.
    static func composed(_ template: String, _ parts: SQLFragment..., cost extra: Int = 0) -> SQLFragment {
        composed(template, parts, cost: extra)
    }

    /// `template` with each `{}` replaced by the next of `parts`, in order.
    static func composed(_ template: String, _ parts: [SQLFragment], cost extra: Int = 0) -> SQLFragment {
        var sql = ""
        var arguments: [DatabaseValue] = []
        var remaining = parts[...]
        var rest = Substring(template)
        while let marker = rest.range(of: "{}") {
            sql += rest[..<marker.lowerBound]
            let part = remaining.removeFirst()
            sql += part.sql
            arguments += part.arguments
            rest = rest[marker.upperBound...]
        }
        precondition(remaining.isEmpty, "more fragments than {} markers in \(template)")
        sql += rest
        return SQLFragment(sql, arguments, cost: parts.reduce(extra) { $0 + $1.cost })
    }

    var statementArguments: StatementArguments { StatementArguments(each: arguments) }

    /// The arguments as another store's reader takes them (`SQLRowReader`, `JourneyTickWriter`).
    var sqlValues: [SQLValue] { arguments.map(SQLValue.init) }
}
