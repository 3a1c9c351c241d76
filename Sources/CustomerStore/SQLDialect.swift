/// How the rule compiler spells what SQL databases disagree on: the store's own functions,
/// JSON attributes, booleans, null-safe comparison, join order and a few functions.
///
/// Evaluation compiles rules to SQL text with `?` arguments; everything else it writes is
/// standard SQL that SQLite and PostgreSQL both accept (`coalesce`, `CASE`, `EXISTS`,
/// `IN (SELECT …)`, `BETWEEN`, aggregates, `LIMIT`). A store says which dialect it speaks
/// (`CustomerStore.dialect`). Each spelling receives its operands as SQL text, which may hold
/// `?` placeholders, and must use every operand exactly once and in the order given, so the
/// arguments still bind by position. docs/store.md lists the spellings.
public struct SQLDialect: Sendable {
    /// A name for messages: `sqlite`.
    public var name: String

    /// The value of a condition that always holds (`1` in SQLite, where booleans are integers).
    public var trueLiteral: String
    /// The value of a condition that never holds.
    public var falseLiteral: String

    /// `ifnull(value, fallback)`: `value`, or `fallback` when it is NULL.
    public var ifNull: @Sendable (_ value: String, _ fallback: String) -> String
    /// `left IS right`: equality where NULL equals NULL and a comparison with NULL is false.
    public var nullSafeEquals: @Sendable (_ left: String, _ right: String) -> String
    /// `max(a, b, …)`: the largest of several values (the scalar form, not the aggregate).
    public var greatest: @Sendable (_ values: [String]) -> String
    /// `dividend / divisor` for integers, rounded toward zero.
    public var integerQuotient: @Sendable (_ dividend: String, _ divisor: String) -> String
    /// Joins `table` as `alias` to the rows read so far, reading those first and looking up the
    /// matching rows of `table` for each (`CROSS JOIN table alias ON condition` in SQLite):
    /// audience queries filter the facts first and read a customer row only for the matches.
    public var orderedJoin: @Sendable (_ table: String, _ alias: String, _ condition: String) -> String
    /// Whether the database runs a query's tests in the order they are written (SQLite), so the
    /// compiler orders them itself: a history subquery of a condition that also tests the
    /// customer row then waits for that row (`SQLFragment.dependingOnCustomerRow`). PostgreSQL
    /// orders a scan's tests by their estimated cost, and the subquery is best run on the facts
    /// before any customer row is read.
    public var testsRunInWrittenOrder: Bool

    /// `campaignd_day(unix_seconds, zone)`: the local calendar day number (`CivilCalendar`) of an
    /// instant in an IANA time zone, or NULL.
    public var localDay: @Sendable (_ unixSeconds: String, _ zone: String) -> String
    /// `campaignd_birthday_in(…)`: true when a `YYYY-MM-DD` birthday falls `days` days after
    /// the local today at `now` in the customer's zone (else the business zone).
    public var birthdayIn: @Sendable (
        _ birthday: String, _ customerZone: String, _ businessZone: String, _ now: String, _ days: String
    ) -> String
    /// `substr(date, 6)`: the `MM-DD` of a `YYYY-MM-DD` text.
    public var monthDay: @Sendable (_ isoDate: String) -> String
    /// `campaignd_number(text)`: a text as a number when it is one, else NULL.
    public var number: @Sendable (_ text: String) -> String
    /// `campaignd_address_hash(address)`: the hashed suppression entry of an address
    /// (`SuppressionAddress.hashed`), NULL for NULL.
    public var addressHash: @Sendable (_ address: String) -> String

    /// The bound argument that names the custom attribute `name` for `attributeAtPath` (a JSON
    /// path in SQLite: `$."name"`), or nil when the path cannot name it and `attributeWithKey`
    /// must be used instead.
    public var attributePath: @Sendable (_ name: String) -> String?
    /// `json_extract(document, path)`: a JSON object's member, by an `attributePath` argument.
    public var attributeAtPath: @Sendable (_ document: String, _ path: String) -> String
    /// A JSON object's member by its key, whatever characters the key holds.
    public var attributeWithKey: @Sendable (_ document: String, _ key: String) -> String

    /// `json_object(key, value, …)`: a JSON object of these members, in order.
    public var jsonObject: @Sendable (_ members: [(key: String, value: String)]) -> String
    /// A boolean as a `jsonObject` member's value, written as SQLite writes one: 0 or 1.
    public var jsonBoolean: @Sendable (_ value: String) -> String
    /// Money in minor units as text in major units with `exponent` decimals (`12.50`).
    public var majorUnitsText: @Sendable (_ minorUnits: String, _ exponent: Int) -> String
    /// A day number as `YYYY-MM-DD` text.
    public var dateText: @Sendable (_ dayNumber: String) -> String

    /// Appended to a text sort key so that it sorts by bytes (code points), as SQLite's default
    /// `BINARY` collation does, whatever the database's collation: empty in SQLite.
    public var byteOrder: String
    /// A query of the first row of each group: per `group`, the row with the least `key`, with
    /// its `columns`, `group` and `key` (named as given); `from` is the `FROM … WHERE …` text.
    /// SQLite groups with `min(key)`, whose bare columns come from the row holding the minimum;
    /// PostgreSQL selects `DISTINCT ON (group)` ordered by `key`. Of rows tied on `key`, either
    /// store takes one.
    public var firstRowPerGroup: @Sendable (_ group: [String], _ key: String, _ columns: [String], _ from: String) -> String
    /// `column IN (…)` over `ids`, with its arguments: one `?` per id in SQLite; in PostgreSQL one
    /// array argument (`column = ANY(?::bigint[])`), so that the statement's text is the same for
    /// any number of ids and a dispatcher's re-check is prepared once per connection.
    public var idIn: @Sendable (_ column: String, _ ids: [Int64]) -> (sql: String, arguments: [SQLValue])
}
