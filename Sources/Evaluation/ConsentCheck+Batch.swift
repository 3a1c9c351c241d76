import CustomerStore
import GRDB
import RuleLanguage

extension ConsentCheck {
    /// What the re-check found for one claimed send: the checks and the customer's profile for
    /// the message.
    public struct Recheck: Sendable, Equatable {
        public let result: Result
        public let profile: CustomerProfile
    }

    /// Claims up to `limit` sends due at `now` (marking them `in_flight`) and re-checks the whole
    /// batch in the claim's transaction: one read per channel and purpose, and one for the
    /// profiles, instead of one snapshot per send. Each send comes with its re-check, nil when
    /// the customer no longer exists (erased) or the channel is unknown.
    public static func claimAndRecheck(
        limit: Int, now: Int64, in store: CustomerStore
    ) async throws -> [(send: SendRecord, recheck: Recheck?)] {
        let dialect = store.dialect
        let (sends, checks) = try await store.sendLog.claimDue(limit: limit, now: now) { db, sends in
            try ConsentCheck.recheck(sends, now: now, dialect: dialect, in: db)
        }
        return zip(sends, checks).map { (send: $0, recheck: $1) }
    }

    /// The re-check of each of `sends` at `now`, in order, read in `db` with the same SQL as
    /// `check(customer:channel:purpose:now:dialect:in:)`.
    public static func recheck(_ sends: [SendRecord], now: Int64, dialect: SQLDialect = .sqlite, in db: Database) throws -> [Recheck?] {
        var results: [Kind: [Int64: Result]] = [:]
        for (kind, query) in batchQueries(sends, now: now, dialect: dialect) {
            for row in try Row.fetchAll(db.cachedStatement(sql: query.sql), arguments: query.statementArguments) {
                results[kind, default: [:]][row[0]] = Result(
                    consentGranted: row[1], suppressed: row[2], addressComplete: row[3], purpose: kind.purpose)
            }
        }
        let profiles = try CustomerProfile.fetchAll(ids: customers(of: sends), in: db)
        return assemble(sends, results: results, profiles: profiles)
    }

    /// The same re-check read through `reader` (the PostgreSQL store's claim transaction), with
    /// the same SQL spelt in `dialect`.
    public static func recheck(_ sends: [SendRecord], now: Int64, dialect: SQLDialect, reading reader: some SQLRowReader) async throws
        -> [Recheck?]
    {
        var results: [Kind: [Int64: Result]] = [:]
        for (kind, query) in batchQueries(sends, now: now, dialect: dialect) {
            for row in try await reader.rows(query.sql, arguments: query.sqlValues) {
                guard let id = row[0].int64, let granted = row[1].bool, let suppressed = row[2].bool, let complete = row[3].bool
                else { throw MalformedRecheck(row: row) }
                results[kind, default: [:]][id] = Result(
                    consentGranted: granted, suppressed: suppressed, addressComplete: complete, purpose: kind.purpose)
            }
        }
        let profiles = try await CustomerProfile.fetchAll(ids: customers(of: sends), dialect: dialect, reading: reader)
        return assemble(sends, results: results, profiles: profiles)
    }

    struct MalformedRecheck: Error, CustomStringConvertible {
        let row: [SQLValue]
        var description: String { "the consent re-check read an unexpected row: \(row)" }
    }

    /// One query per channel and purpose among `sends`, over their customers.
    private static func batchQueries(_ sends: [SendRecord], now: Int64, dialect: SQLDialect) -> [(Kind, SQLFragment)] {
        var customersByKind: [Kind: Set<Int64>] = [:]
        for send in sends {
            guard let customer = send.customerID, let kind = Kind(send) else { continue }
            customersByKind[kind, default: []].insert(customer)
        }
        return customersByKind.map { kind, customers in
            (kind, batchQuery(customers: customers.sorted(), channel: kind.channel, purpose: kind.purpose, now: now, dialect: dialect))
        }
    }

    private static func customers(of sends: [SendRecord]) -> Set<Int64> {
        Set(sends.compactMap { send in Kind(send).flatMap { _ in send.customerID } })
    }

    /// Each send's re-check, nil when its customer is gone or its channel unknown.
    private static func assemble(_ sends: [SendRecord], results: [Kind: [Int64: Result]], profiles: [Int64: CustomerProfile]) -> [Recheck?] {
        sends.map { send in
            guard let customer = send.customerID, let kind = Kind(send),
                let result = results[kind]?[customer], let profile = profiles[customer]
            else { return nil }
            return Recheck(result: result, profile: profile)
        }
    }

    /// Sends re-checked with the same SQL: one channel, one purpose.
    private struct Kind: Hashable {
        let channel: Channel
        let purpose: MessagePurpose

        init?(_ send: SendRecord) {
            guard let channel = Channel(rawValue: send.channel) else { return nil }
            self.channel = channel
            purpose = MessagePurpose(rawValue: send.purpose) ?? .marketing
        }
    }

    /// The three checks for each of `customers`, one row each: id, consent granted, suppressed,
    /// address complete. One cached statement per batch size in SQLite; one for every size in
    /// PostgreSQL (`SQLDialect.idIn`), prepared once per connection.
    static func batchQuery(customers: [Int64], channel: Channel, purpose: MessagePurpose, now: Int64, dialect: SQLDialect) -> SQLFragment {
        let facts = FactSQL(settings: EvaluationSettings(now: now, businessTimeZone: .gmt, currency: "EUR"), dialect: dialect)
        let list = dialect.idIn("f.customer_id", customers)
        return SQLFragment.composed(
            "SELECT f.customer_id, {}, {}, {} FROM customer_facts f JOIN customer c ON c.id = f.customer_id WHERE {}",
            purpose == .service ? facts.consentNotWithdrawn(channel) : facts.consentGranted(channel), facts.suppressed(channel),
            facts.addressComplete(channel), SQLFragment(list.sql, list.arguments.map(\.databaseValue)))
    }
}
