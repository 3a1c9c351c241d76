import GRDB

/// A customer with their facts: what a message's templates see.
public struct CustomerProfile: Decodable, Sendable, Equatable, FetchableRecord {
    public var id: Int64
    /// The id as imported.
    public var externalID: String
    public var name: String?
    public var email: String?
    public var phone: String?
    public var street: String?
    public var postalCode: String?
    public var city: String?
    public var country: String?
    public var birthday: String?
    public var locale: String?
    public var timeZone: String?
    /// Custom attributes, as a JSON object.
    public var attributes: String?
    public var orders: Int64
    public var spentMinor: Int64
    public var firstPurchaseAt: Int64?
    public var lastPurchaseAt: Int64?
    /// The latest NPS score.
    public var npsScore: Int64?

    enum CodingKeys: String, CodingKey {
        case id, name, email, phone, street, city, country, birthday, locale, attributes, orders
        case externalID = "external_id", postalCode = "postal_code", timeZone = "time_zone", spentMinor = "spent_minor"
        case firstPurchaseAt = "first_purchase_at", lastPurchaseAt = "last_purchase_at", npsScore = "nps_score"
    }

    /// Reads the columns of `select` by position: the generic `Decodable` path cost about as
    /// much as the dispatcher's whole re-check query.
    public init(row: Row) throws {
        id = row[0]
        externalID = row[1]
        name = row[2]
        email = row[3]
        phone = row[4]
        street = row[5]
        postalCode = row[6]
        city = row[7]
        country = row[8]
        birthday = row[9]
        locale = row[10]
        timeZone = row[11]
        attributes = row[12]
        orders = row[13]
        spentMinor = row[14]
        firstPurchaseAt = row[15]
        lastPurchaseAt = row[16]
        npsScore = row[17]
    }

    /// The same columns by position, as a `SQLRowReader` (the PostgreSQL store) gives them.
    public init(values: [SQLValue]) throws {
        struct Malformed: Error, CustomStringConvertible {
            let column: Int
            var description: String { "a customer profile's column \(column) has an unexpected value" }
        }
        func whole(_ index: Int) throws -> Int64 {
            guard let value = values[index].int64 else { throw Malformed(column: index) }
            return value
        }
        func text(_ index: Int) -> String? { values[index].string }
        func number(_ index: Int) -> Int64? { values[index].int64 }
        guard values.count == 18, let externalID = text(1) else { throw Malformed(column: 1) }
        id = try whole(0)
        self.externalID = externalID
        name = text(2)
        email = text(3)
        phone = text(4)
        street = text(5)
        postalCode = text(6)
        city = text(7)
        country = text(8)
        birthday = text(9)
        locale = text(10)
        timeZone = text(11)
        attributes = text(12)
        orders = try whole(13)
        spentMinor = try whole(14)
        firstPurchaseAt = number(15)
        lastPurchaseAt = number(16)
        npsScore = number(17)
    }

    /// The customers among `ids` that exist, by id, read through `reader` (the PostgreSQL store):
    /// the SQL of `fetchAll(ids:in:)`, its list of ids spelt in `dialect` (`SQLDialect.idIn`).
    public static func fetchAll(
        ids: some Collection<Int64>, dialect: SQLDialect, reading reader: some SQLRowReader
    ) async throws -> [Int64: CustomerProfile] {
        guard !ids.isEmpty else { return [:] }
        let list = dialect.idIn("c.id", ids.sorted())
        let rows = try await reader.rows("\(select) WHERE \(list.sql)", arguments: list.arguments)
        let profiles = try rows.map(CustomerProfile.init(values:))
        return Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The customer with internal id `id`, or nil when there is none (erased).
    public static func fetch(id: Int64, in db: Database) throws -> CustomerProfile? {
        try fetchOne(db.cachedStatement(sql: "\(select) WHERE c.id = ?"), arguments: [id])
    }

    /// The customers among `ids` that exist, by id: one read for a dispatcher's claimed batch.
    public static func fetchAll(ids: some Collection<Int64>, in db: Database) throws -> [Int64: CustomerProfile] {
        guard !ids.isEmpty else { return [:] }
        // One cached statement per batch size (at most the dispatch concurrency).
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let profiles = try fetchAll(
            db.cachedStatement(sql: "\(select) WHERE c.id IN (\(marks))"), arguments: StatementArguments(each: Array(ids)))
        return Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static let select = """
        SELECT c.id, c.external_id, c.name, c.email, c.phone, c.street, c.postal_code, c.city, c.country,
               c.birthday, c.locale, c.time_zone, c.attributes,
               f.orders, f.spent_minor, f.first_purchase_at, f.last_purchase_at, f.nps_score
        FROM customer c JOIN customer_facts f ON f.customer_id = c.id
        """
}
