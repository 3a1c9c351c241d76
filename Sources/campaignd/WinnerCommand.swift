import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation
import PostgresStore

/// `campaignd reset-winner RULE`: removes a rule's recorded A/B winner, so its sends split again
/// and the test starts over (a winner never flips back by itself). On either store.
struct ResetWinnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-winner",
        abstract: "Remove a rule's recorded A/B winner: its new sends split between the variants again.",
        discussion: """
            The next tick judges the variants again on every send recorded so far (docs/rules.md, \
            "Variants"). Works while the daemon runs.
            """)

    @ParentCommand var root: Campaignd

    @Argument(help: "The rule's name.")
    var rule: String

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            let (removed, known): (VariantWinner?, () async throws -> [String])
            switch config.store {
            case .sqlite(let path):
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CommandFailure("no store at \(path)", hint: "check the \"store\" key of the config")
                }
                let store = try CustomerStore(path: path, currency: config.currency)
                do {
                    removed = try store.resetVariantWinner(rule: rule)
                } catch {
                    throw store.explaining(error, operation: "reset-winner \(rule)")
                }
                known = { try store.variantWinners().map(\.rule) }
            case .postgres(let settings):
                let (winner, others) = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    let winner = try await store.resetVariantWinner(rule: rule)
                    return (winner, winner == nil ? try await store.variantWinners().map(\.rule) : [])
                }
                (removed, known) = (winner, { others })
            }
            guard let removed else {
                let known = try await known()
                throw CommandFailure(
                    "reset-winner: rule \"\(rule)\" has no recorded winner",
                    hint: known.isEmpty ? "no rule has one; nothing was changed" : "rules with a winner: \(known.joined(separator: ", "))")
            }
            print("removed winner \"\(removed.variant)\" of rule \"\(removed.rule)\"; new sends split between the variants again")
        }
    }
}
