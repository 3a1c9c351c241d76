import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd status`: what the store holds, SQLite or PostgreSQL.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the customer store holds.")

    @ParentCommand var root: Campaignd

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            let (name, currency, summary): (String, String, StoreSummary)
            switch config.store {
            case .sqlite(let path):
                let store = try CustomerStore(path: path, currency: config.currency)
                (name, currency, summary) = (store.path, store.currency, try store.summary())
            case .postgres(let settings):
                (name, currency, summary) = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    (settings.description, store.currency, try await store.summary())
                }
            }
            print("store      \(name) (\(summary.migrations) migrations applied)")
            print("customers  \(summary.customers) (\(summary.customersWithPurchases) with purchases)")
            print("purchases  \(summary.purchases), \(MoneyFormat.text(summary.revenueMinor, currency: currency)) in all")
            print("events     \(summary.events)")
            print("feedback   \(summary.feedback) (NPS: \(summary.promoters) promoters, \(summary.detractors) detractors)")
            print("consents   \(summary.consents) records; email granted for \(summary.emailConsents) customers")
            print("suppressed \(summary.suppressions) addresses")
        }
    }
}
