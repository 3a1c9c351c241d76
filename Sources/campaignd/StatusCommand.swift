import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation

/// `campaignd status`: what the store holds.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the customer store holds.")

    @ParentCommand var root: Campaignd

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfig(for: "status")
            let store = try CustomerStore(path: config.storePath, currency: config.currency)
            let summary = try store.summary()
            print("store      \(store.path) (\(summary.migrations) migrations applied)")
            print("customers  \(summary.customers) (\(summary.customersWithPurchases) with purchases)")
            print("purchases  \(summary.purchases), \(MoneyFormat.text(summary.revenueMinor, currency: store.currency)) in all")
            print("events     \(summary.events)")
            print("feedback   \(summary.feedback) (NPS: \(summary.promoters) promoters, \(summary.detractors) detractors)")
            print("consents   \(summary.consents) records; email granted for \(summary.emailConsents) customers")
            print("suppressed \(summary.suppressions) addresses")
        }
    }
}
