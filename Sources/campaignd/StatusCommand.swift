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
            var daemons: (daemons: [DaemonRecord], now: Int64)?
            switch config.store {
            case .sqlite(let path):
                let store = try CustomerStore(path: path, currency: config.currency)
                (name, currency, summary) = (store.path, store.currency, try store.summary())
            case .postgres(let settings):
                (name, currency, summary) = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    daemons = try await store.daemons(seenWithin: Self.daemonsShownSeconds)
                    return (settings.description, store.currency, try await store.summary())
                }
            }
            print("store      \(name) (\(summary.migrations) migrations applied)")
            print("customers  \(summary.customers) (\(summary.customersWithPurchases) with purchases)")
            print("purchases  \(summary.purchases), \(MoneyFormat.text(summary.revenueMinor, currency: currency)) in all")
            print("events     \(summary.events)")
            print("feedback   \(summary.feedback) (NPS: \(summary.promoters) promoters, \(summary.detractors) detractors)")
            print("consents   \(summary.consents) records; email granted for \(summary.emailConsents) customers")
            print("suppressed \(summary.suppressions) addresses")
            if let daemons, !daemons.daemons.isEmpty {
                print(Self.daemonLines(daemons.daemons, now: daemons.now, lease: config.dispatch.lease.components.seconds)
                    .joined(separator: "\n"))
            }
        }
    }

    /// Daemons not heard of for longer are not listed (a day).
    static let daemonsShownSeconds: Int64 = 86_400

    /// `daemons    2 running` and one line per daemon heard of in the last day (nothing when
    /// none was: a store no daemon has run on prints what the SQLite store prints): running (a
    /// heartbeat within two lease lengths: beats come every third of one), stopped, or silent
    /// (no heartbeat for longer: crashed, or cut off from the database).
    static func daemonLines(_ daemons: [DaemonRecord], now: Int64, lease: Int64) -> [String] {
        func state(_ daemon: DaemonRecord) -> String {
            if let stopped = daemon.stoppedAt { return "stopped \(ago(now - stopped))" }
            if now - daemon.seenAt <= 2 * lease { return "running" }
            return "silent for \(ago(now - daemon.seenAt).dropLast(4))"
        }
        let running = daemons.filter { state($0) == "running" }.count
        var lines = ["daemons    \(running) running" + (daemons.count > running ? ", \(daemons.count - running) more heard of today" : "")]
        for daemon in daemons {
            var line = "  \(daemon.owner)  \(state(daemon)), up \(ago(daemon.seenAt - daemon.startedAt).dropLast(4)), "
                + "\(daemon.inFlight) in flight"
            if let http = daemon.http { line += ", http \(http)" }
            lines.append(line + ", \(daemon.version)")
        }
        return lines
    }

    /// `42 s ago`, `5 min ago`, `3 h ago`.
    static func ago(_ seconds: Int64) -> String {
        let seconds = max(seconds, 0)
        if seconds < 120 { return "\(seconds) s ago" }
        if seconds < 7_200 { return "\(seconds / 60) min ago" }
        return "\(seconds / 3_600) h ago"
    }
}
