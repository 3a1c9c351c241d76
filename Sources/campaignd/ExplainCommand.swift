import ArgumentParser
import Evaluation
import Foundation

/// `campaignd explain CUSTOMER`: every condition of every rule with the customer's values,
/// and why the customer would or would not get each message.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show, for one customer, each rule's conditions with their values and the verdict.")

    @ParentCommand var root: Campaignd

    @Argument(help: "The customer's id (as imported).")
    var customer: String

    @Option(name: .long, help: "Only this rule.")
    var rule: String?

    @Option(name: .long, help: "The instant to evaluate at (default: now).")
    var at: String?

    func run() async throws {
        try await failingCleanly {
            let setup = try EvaluationSetup.load(root.global)
            let now = try setup.instant(at)
            if let rule { _ = try setup.requireRule(rule) }
            let explainer = Explainer(ruleSet: setup.ruleSet, settings: setup.settings(at: now), dialect: setup.store.dialect)
            let explanation = try explainer.explain(externalID: customer, only: rule.map { [$0] }, in: setup.store)
            guard let explanation else {
                throw CommandFailure("no customer with id \"\(customer)\" in \(setup.store.path)", hint: "ids are the `id` column of the customers import")
            }
            print(explanation.text(businessTimeZone: setup.config.timeZone), terminator: "")
        }
    }
}
