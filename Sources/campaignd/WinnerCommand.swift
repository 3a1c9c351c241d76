import ArgumentParser
import CampaignConfig
import CustomerStore
import Foundation

/// `campaignd reset-winner RULE`: removes a rule's recorded A/B winner, so its sends split again
/// and the test starts over (a winner never flips back by itself).
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
            let config = try root.global.loadConfig(for: "reset-winner")
            guard FileManager.default.fileExists(atPath: config.storePath) else {
                throw CommandFailure("no store at \(config.storePath)", hint: "check the \"store\" key of the config")
            }
            let store = try CustomerStore(path: config.storePath, currency: config.currency)
            let removed: VariantWinner?
            do {
                removed = try store.resetVariantWinner(rule: rule)
            } catch {
                throw store.explaining(error, operation: "reset-winner \(rule)")
            }
            guard let removed else {
                let known = try store.variantWinners().map(\.rule)
                throw CommandFailure(
                    "reset-winner: rule \"\(rule)\" has no recorded winner",
                    hint: known.isEmpty ? "no rule has one; nothing was changed" : "rules with a winner: \(known.joined(separator: ", "))")
            }
            print("removed winner \"\(removed.variant)\" of rule \"\(removed.rule)\"; new sends split between the variants again")
        }
    }
}
