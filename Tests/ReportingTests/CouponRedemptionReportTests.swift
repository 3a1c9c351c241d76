@testable import CustomerStore
import Foundation
import GRDB
import Reporting
import Testing
import TestSupport

/// `report` for a rule on a coupon pool: codes its sends hold, delivered, redeemed by a purchase.
@Suite("report: coupon redemption")
struct CouponRedemptionReportTests {
    @Test("codes held by the rule's sends, delivered and redeemed; rules without a pool have none")
    func redemption() throws {
        let fx = try ReportFixture()
        let at = ReportFixture.monday
        var customers: [Int64] = []
        for index in 1...4 { customers.append(try fx.customer("C\(index)")) }
        for customer in customers { try fx.decide("winback", customer, at: at) }
        try fx.decide("plain", customers[0], at: at)
        // Three of the four sends took a code (the fourth's was released, say).
        try fx.store.database.write { db in
            for (index, customer) in customers.prefix(3).enumerated() {
                let sendID = try String.fetchOne(
                    db, sql: "SELECT send_id FROM send WHERE rule = 'winback' AND customer_id = ?", arguments: [customer])!
                try db.execute(
                    sql: "INSERT INTO coupon(code, pool, place, imported_at) VALUES (?, 'P', ?, ?)",
                    arguments: ["CODE-\(index)", index + 1, at - 86_400])
                try db.execute(sql: "UPDATE send SET coupon = ? WHERE send_id = ?", arguments: ["CODE-\(index)", sendID])
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("purchases-\(UUID().uuidString).csv").path
        try "customer,order,at,amount,coupon\nC2,O-1,2026-03-04T10:00:00Z,20.00,CODE-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try Importer(store: fx.store, timeZone: .gmt).run(.purchases, path: path)
        let report = try fx.report(now: at + 10 * ReportFixture.day)
        let winback = try #require(report.rules.first { $0.rule == "winback" })
        #expect(winback.coupons == CouponTally(assigned: 3, delivered: 3, redeemed: 1))
        #expect(report.rules.first { $0.rule == "plain" }?.coupons == nil)
        let text = report.text { "\($0)" }
        #expect(text.contains("  coupons  3 handed out, 3 delivered, 1 redeemed (33.3 % of delivered)\n"))
        #expect(try report.json().contains("\"coupons\""))
    }
}
