@testable import CustomerStore
import Foundation
import GRDB
import Reporting

/// A fresh store in a temporary directory, with helpers to write decisions and purchases and to
/// run the report over them.
struct ReportFixture {
    let store: CustomerStore
    static let day: Int64 = 86_400
    /// 2026-03-02T00:00:00Z, a Monday.
    static let monday: Int64 = 1_772_409_600

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-report-\(UUID().uuidString)").path
        store = try CustomerStore(path: "\(directory)/store.sqlite", currency: "EUR")
    }

    /// A new customer; returns the internal id.
    @discardableResult
    func customer(_ externalID: String) throws -> Int64 {
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO customer(external_id) VALUES (?)", arguments: [externalID])
            return db.lastInsertedRowID
        }
    }

    /// A send-log row as a tick records it (and the dispatcher updates it).
    func decide(_ rule: String, _ customer: Int64?, at: Int64, status: String = "sent") throws {
        try store.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at, status, updated_at)
                    VALUES (hex(randomblob(16)), ?, 'h', ?, 'email', ?, ?, ?, ?, ?)
                    """,
                arguments: [rule, customer, rule, at, at, status, at])
        }
    }

    func purchase(_ customer: Int64, at: Int64, amount: Int64) throws {
        try store.database.write { db in
            try db.execute(
                sql: "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (?, hex(randomblob(8)), ?, ?, 'EUR')",
                arguments: [customer, at, amount])
        }
    }

    func report(now: Int64, window: Int = 7, since: Int64? = nil, rule: String? = nil) throws -> Report {
        try Report(
            query: ReportQuery(since: since, now: now, windowDays: window, rule: rule),
            store: store, timeZone: TimeZone(identifier: "UTC")!)
    }

    /// The report of one rule, which must be there.
    func rule(_ name: String, now: Int64, window: Int = 7, since: Int64? = nil) throws -> RuleReport {
        guard let rule = try report(now: now, window: window, since: since).rules.first(where: { $0.rule == name }) else {
            throw Missing(rule: name)
        }
        return rule
    }

    struct Missing: Error { let rule: String }
}
