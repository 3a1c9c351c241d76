import ArgumentParser
import Evaluation
import Foundation

/// `campaignd explain CUSTOMER`: every condition of every rule with the customer's values,
/// and why the customer would or would not get each message; then every journey enrolment of
/// the customer and each journey's entry and exit conditions with the customer's values.
/// `--rule` keeps one rule (and no journeys), `--journey` one journey (and no rules).
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show, for one customer, each rule's conditions with their values and the verdict.")

    @ParentCommand var root: Campaignd

    @Argument(help: "The customer's id (as imported).")
    var customer: String

    @Option(name: .long, help: "Only this rule (no journeys).")
    var rule: String?

    @Option(name: .long, help: "Only this journey (no rules): the customer's enrolments and its entry and exit conditions.")
    var journey: String?

    @Option(name: .long, help: "The instant to evaluate at (default: now).")
    var at: String?

    func run() async throws {
        try await failingCleanly {
            let setup = try EvaluationSetup.load(root.global, for: "explain")
            let now = try setup.instant(at)
            guard rule == nil || journey == nil else {
                throw CommandFailure("--rule and --journey exclude each other", hint: "explain one rule or one journey")
            }
            if let rule { _ = try setup.requireRule(rule) }
            if let journey { try setup.requireJourney(journey) }
            let explainer = Explainer(ruleSet: setup.ruleSet, settings: try setup.settings(at: now), dialect: setup.store.dialect)
            // With --journey, no rule: the customer's header only.
            let only: Set<String>? = journey != nil ? [] : rule.map { [$0] }
            let explanation = try explainer.explain(externalID: customer, only: only, in: setup.store)
            guard let explanation else {
                throw CommandFailure("no customer with id \"\(customer)\" in \(setup.store.path)", hint: "ids are the `id` column of the customers import")
            }
            print(explanation.text(businessTimeZone: setup.config.timeZone), terminator: "")
            // Journeys: each enrolment of the customer, and each journey's entry and exit conditions.
            if rule == nil, !setup.ruleSet.journeys.isEmpty,
                let journeys = try explainer.explainJourneys(externalID: customer, in: setup.store)
            {
                for explained in journeys where explained.journey.name == (journey ?? explained.journey.name) {
                    print(explained.text(businessTimeZone: setup.config.timeZone), terminator: "")
                }
            }
        }
    }
}
