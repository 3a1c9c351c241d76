@testable import CustomerStore
import Foundation

/// Writes test data into a store the way production does: customers, purchases, consents,
/// feedback and events through the import (`Importer`, from JSON Lines files in a temporary
/// folder), send-log rows through `SendLog.record`. A fixture's rows take the same checks,
/// upserts and triggers (the per-customer facts) as an operator's.
///
/// Suppressions are the exception: the product writes them only on a hard bounce or an
/// erasure, so `suppress` plants one with SQL.
public struct StoreFixture {
    public let store: CustomerStore
    /// The folder the import files are written to.
    public let directory: URL

    public init(store: CustomerStore) throws {
        self.store = store
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A row of a customers file; nil leaves the column out (an existing value stays).
    public struct Customer: Sendable {
        public var id: String
        public var email: String?
        public var name: String?
        public var phone: String?
        public var street: String?
        public var postalCode: String?
        public var city: String?
        public var country: String?
        /// A calendar date, `1984-02-29`.
        public var birthday: String?
        public var joined: Int64?
        public var timeZone: String?
        public var locale: String?
        public var tags: [String]?
        /// Custom attributes (text values), merged into the customer's.
        public var attributes: [String: String]

        public init(
            _ id: String, email: String? = nil, name: String? = nil, phone: String? = nil, street: String? = nil,
            postalCode: String? = nil, city: String? = nil, country: String? = nil, birthday: String? = nil,
            joined: Int64? = nil, timeZone: String? = nil, locale: String? = nil, tags: [String]? = nil,
            attributes: [String: String] = [:]
        ) {
            self.id = id
            self.email = email
            self.name = name
            self.phone = phone
            self.street = street
            self.postalCode = postalCode
            self.city = city
            self.country = country
            self.birthday = birthday
            self.joined = joined
            self.timeZone = timeZone
            self.locale = locale
            self.tags = tags
            self.attributes = attributes
        }

        var record: [String: String] {
            var record = attributes
            record["id"] = id
            let columns: [(String, String?)] = [
                ("email", email), ("name", name), ("phone", phone), ("street", street), ("postal_code", postalCode),
                ("city", city), ("country", country), ("birthday", birthday), ("joined", joined.map(StoreFixture.timestamp)),
                ("time_zone", timeZone), ("locale", locale), ("tags", tags?.joined(separator: ";")),
            ]
            for case let (column, value?) in columns { record[column] = value }
            return record
        }
    }

    /// Imports `customers` (upserts by external id) and returns their internal ids, in order.
    /// New customers get their ids in the order given.
    @discardableResult
    public func customers(_ customers: [Customer]) throws -> [Int64] {
        try run(.customers, customers.map(\.record))
        return try customers.map { try id(of: $0.id) }
    }

    /// Imports one customer and returns its internal id.
    @discardableResult
    public func customer(_ customer: Customer) throws -> Int64 {
        try customers([customer])[0]
    }

    /// A purchase of `amountMinor` minor units in the store's currency.
    public struct Purchase: Sendable {
        public var customer: String
        public var order: String
        public var at: Int64
        public var amountMinor: Int64

        public init(_ customer: String, order: String = UUID().uuidString, at: Int64, amountMinor: Int64) {
            self.customer = customer
            self.order = order
            self.at = at
            self.amountMinor = amountMinor
        }
    }

    public func purchases(_ purchases: [Purchase]) throws {
        let exponent = MoneyFormat.exponent(of: store.currency)
        try run(.purchases, purchases.map {
            ["customer": $0.customer, "order": $0.order, "at": Self.timestamp($0.at), "amount": Self.amount($0.amountMinor, exponent: exponent)]
        })
    }

    /// A consent grant or withdrawal on a channel (`email`, `letter`, `webhook`).
    public struct Consent: Sendable {
        public var customer: String
        public var channel: String
        public var granted: Bool
        public var at: Int64

        public init(_ customer: String, _ channel: String, granted: Bool = true, at: Int64) {
            self.customer = customer
            self.channel = channel
            self.granted = granted
            self.at = at
        }
    }

    public func consents(_ consents: [Consent]) throws {
        try run(.consents, consents.map {
            ["customer": $0.customer, "channel": $0.channel, "status": $0.granted ? "granted" : "withdrawn", "at": Self.timestamp($0.at)]
        })
    }

    /// A survey answer: `nps` (0–10), `csat` (1–5) or `ces` (1–7).
    public struct Feedback: Sendable {
        public var customer: String
        public var kind: String
        public var score: Int
        public var at: Int64
        public var comment: String?

        public init(_ customer: String, _ kind: String, score: Int, at: Int64, comment: String? = nil) {
            self.customer = customer
            self.kind = kind
            self.score = score
            self.at = at
            self.comment = comment
        }
    }

    public func feedback(_ feedback: [Feedback]) throws {
        try run(.feedback, feedback.map {
            var record = ["customer": $0.customer, "kind": $0.kind, "score": String($0.score), "at": Self.timestamp($0.at)]
            record["comment"] = $0.comment
            return record
        })
    }

    /// A named event, with its properties as a JSON object's text.
    public struct Event: Sendable {
        public var customer: String
        public var name: String
        public var at: Int64
        public var properties: String?

        public init(_ customer: String, _ name: String, at: Int64, properties: String? = nil) {
            self.customer = customer
            self.name = name
            self.at = at
            self.properties = properties
        }
    }

    public func events(_ events: [Event]) throws {
        try run(.events, events.map {
            var record = ["customer": $0.customer, "name": $0.name, "at": Self.timestamp($0.at)]
            record["properties"] = $0.properties
            return record
        })
    }

    /// Records send-log rows as a tick would have written them (`SendLog.record`); a settled
    /// status (`sent`, `failed`) stands for a row the dispatcher has finished.
    public func sends(_ decisions: [SendDecision]) throws {
        try store.sendLog.record(decisions)
    }

    /// A send-log row for `customer` (an internal id) decided at `at`, with the limit window
    /// `at` and a fresh send id.
    public static func send(
        _ rule: String, customer: Int64, at: Int64, status: SendStatus, channel: String = "email", target: String = "x",
        ruleHash: String = "test", evidence: String = "{}", dueAt: Int64? = nil
    ) -> SendDecision {
        SendDecision(
            sendID: UUID().uuidString, rule: rule, ruleHash: ruleHash, customerID: customer, channel: channel, target: target,
            windowKey: at, decidedAt: at, status: status, reason: nil, evidence: evidence, dueAt: dueAt)
    }

    /// Adds an address to the suppression list. With SQL: the product suppresses only on a hard
    /// bounce or an erasure, and neither lets a test choose the address, reason and time.
    public func suppress(channel: String, address: String, reason: String = "manual", at: Int64) throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO suppression(channel, address, reason, at) VALUES (?, ?, ?, ?)",
                arguments: [channel, address, reason, at])
        }
    }

    /// The internal id of the customer with `externalID`.
    public func id(of externalID: String) throws -> Int64 {
        guard let id = try store.inSnapshot({ try Int64.fetchOne($0, sql: "SELECT id FROM customer WHERE external_id = ?", arguments: [externalID]) })
        else { throw FixtureError("no customer \(externalID)") }
        return id
    }

    /// The external id of the customer with internal id `id`.
    public func externalID(of id: Int64) throws -> String {
        guard let externalID = try store.inSnapshot({ try String.fetchOne($0, sql: "SELECT external_id FROM customer WHERE id = ?", arguments: [id]) })
        else { throw FixtureError("no customer with id \(id)") }
        return externalID
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Writes `records` as a JSON Lines file and imports it, atomically; a bad row fails with
    /// every problem the import reported.
    private func run(_ kind: ImportKind, _ records: [[String: String]]) throws {
        guard !records.isEmpty else { return }
        let file = directory.appendingPathComponent("\(kind.rawValue)-\(UUID().uuidString).jsonl")
        var text = ""
        for record in records {
            text += String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
            text += "\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var importer = Importer(store: store, timeZone: TimeZone(identifier: "UTC")!)
        let problems = ProblemLog()
        importer.onProblem = { problems.add("\($0)") }
        do {
            _ = try importer.run(kind, path: file.path)
        } catch {
            throw FixtureError("import \(kind.rawValue): \(error); \(problems.all.joined(separator: "; "))")
        }
    }

    /// `2026-11-20T10:00:00Z` for Unix seconds.
    static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")!
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// `1234.56` for 123456 minor units with exponent 2.
    static func amount(_ minor: Int64, exponent: Int) -> String {
        guard exponent > 0 else { return String(minor) }
        let scale = (0..<exponent).reduce(Int64(1)) { value, _ in value * 10 }
        let magnitude = minor.magnitude
        let fraction = String(magnitude % UInt64(scale))
        return (minor < 0 ? "-" : "") + "\(magnitude / UInt64(scale))." + String(repeating: "0", count: exponent - fraction.count) + fraction
    }
}

/// Problems an import reported, gathered from its callback.
private final class ProblemLog: @unchecked Sendable {
    private let lock = NSLock()
    private var problems: [String] = []
    func add(_ problem: String) { lock.withLock { problems.append(problem) } }
    var all: [String] { lock.withLock { problems } }
}
