import ArgumentParser
import CampaignConfig
import Evaluation
import Foundation
import PostgresStore

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
            let config = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = config.store {
                try await explainOnPostgres(config, settings)
                return
            }
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

    /// The explanation on a PostgreSQL store: the same verdicts, conditions and values, then the
    /// same journey enrolments and conditions, in one snapshot.
    private func explainOnPostgres(_ config: Config, _ postgres: PostgresSettings) async throws {
        let ruleSet = try EvaluationSetup.ruleSet(config)
        let now = try EvaluationSetup.instant(at, config: config)
        guard rule == nil || journey == nil else {
            throw CommandFailure("--rule and --journey exclude each other", hint: "explain one rule or one journey")
        }
        if let rule { _ = try EvaluationSetup.requireRule(rule, in: ruleSet) }
        if let journey { try EvaluationSetup.requireJourney(journey, in: ruleSet) }
        try await root.global.withPostgresStore(postgres, currency: config.currency) { store in
            let settings = EvaluationSetup.settings(config, currency: store.currency, winners: try await store.variantWinners(), at: now)
            let explainer = Explainer(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
            // With --journey, no rule: the customer's header only.
            let only: Set<String>? = journey != nil ? [] : rule.map { [$0] }
            let customer = self.customer
            let withJourneys = rule == nil && !ruleSet.journeys.isEmpty
            let explained = try await store.inSnapshot(for: "explain") { snapshot -> (Explanation, [JourneyExplanation])? in
                guard let explanation = try await explainer.explain(externalID: customer, only: only, reading: snapshot) else { return nil }
                guard withJourneys else { return (explanation, []) }
                let enrolments = try await snapshot.enrolments(ofCustomer: customer)
                return (explanation, try await explainer.explainJourneys(externalID: customer, enrolments: enrolments, reading: snapshot) ?? [])
            }
            guard let (explanation, journeys) = explained else {
                throw CommandFailure(
                    "no customer with id \"\(customer)\" in \(postgres.description)", hint: "ids are the `id` column of the customers import")
            }
            print(explanation.text(businessTimeZone: config.timeZone), terminator: "")
            for explained in journeys where explained.journey.name == (journey ?? explained.journey.name) {
                print(explained.text(businessTimeZone: config.timeZone), terminator: "")
            }
        }
    }
}
