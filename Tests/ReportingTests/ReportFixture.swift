@testable import CustomerStore
import Foundation
import GRDB
import Reporting
import Testing
import TestSupport

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

    /// A new customer, imported; returns the internal id.
    @discardableResult
    func customer(_ externalID: String) throws -> Int64 {
        try StoreFixture(store: store).customer(StoreFixture.Customer(externalID))
    }

    /// A send-log row as a tick records it (and the dispatcher updates it); for no customer, the
    /// row of a customer erased since.
    func decide(_ rule: String, _ customer: Int64?, at: Int64, status: String = "sent") throws {
        let status = try #require(SendStatus(rawValue: status))
        let erased = customer == nil ? "erased-\(UUID().uuidString)" : nil
        let customerID = try customer ?? self.customer(erased!)
        try StoreFixture(store: store).sends([StoreFixture.send(rule, customer: customerID, at: at, status: status, target: rule, ruleHash: "h")])
        if let erased { _ = try store.erase(externalID: erased, now: at) }
    }

    func purchase(_ customer: Int64, at: Int64, amount: Int64) throws {
        let fixture = try StoreFixture(store: store)
        try fixture.purchases([StoreFixture.Purchase(try fixture.externalID(of: customer), at: at, amountMinor: amount)])
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
