import ArgumentParser
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd coupons`: per coupon pool, codes imported, handed out, delivered, redeemed and left;
/// on either store.
struct CouponsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coupons",
        abstract: "Show each coupon pool: total, assigned, delivered, redeemed and left codes.",
        discussion: "Add codes with 'campaignd import coupons POOL FILE'; rules take them with 'coupon from pool \"POOL\"'.")

    @ParentCommand var root: Campaignd

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            let now = Int64(Date().timeIntervalSince1970)
            let pools: [CouponPoolSummary]
            switch config.store {
            case .sqlite(let path):
                let store = try CustomerStore(path: path, currency: config.currency, logger: root.global.makeLogger())
                pools = try store.couponPools(now: now)
            case .postgres(let settings):
                pools = try await root.global.withPostgresStore(settings, currency: config.currency) { try await $0.couponPools(now: now) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(["pools": pools]), as: UTF8.self))
                return
            }
            if pools.isEmpty {
                print("no coupon pools (import codes with 'campaignd import coupons POOL FILE')")
                return
            }
            let header = ["pool", "total", "assigned", "delivered", "redeemed", "left", "expired"]
            let rows = pools.map {
                [$0.pool, "\($0.total)", "\($0.assigned)", "\($0.delivered)", "\($0.redeemed)", "\($0.left)", "\($0.expired)"]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(row.enumerated().map { column, text in
                    column == 0 ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - text.count) + text
                }.joined(separator: "  "))
            }
        }
    }
}
