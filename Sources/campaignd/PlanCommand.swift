import ArgumentParser
import CampaignConfig
import CustomerStore
import Engine
import Evaluation
import Foundation
import Logging
import PostgresStore

/// `campaignd plan`: what a tick at an instant would send, per rule, and why not to the rest;
/// per journey, who would enter, leave by the goal and take each step. Reads the store in one
/// transaction (journeys: a tick rehearsed under the write lock and rolled back); sends nothing
/// and writes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a tick would send, per rule, with each skip reason. Sends and writes nothing.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "The instant to evaluate at (default: now): 2026-11-20, 2026-11-20T09:30 or an ISO 8601 time.")
    var at: String?

    @Option(name: .long, help: "Only this rule (rules that win the contact-pressure cap over it are still taken into account).")
    var rule: String?

    @Option(name: .long, help: "Only this journey (entering, exiting by goal, each step); rules are then not listed.")
    var journey: String?

    @Option(name: .long, help: "How many customer ids to list per rule.")
    var sample: Int = 10

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    @Option(name: .long, help: "Threads evaluating at once, each over a slice of customers (default: one per CPU core); on PostgreSQL, connections reading the rules' audiences at once (default: 2).")
    var threads: Int?

    /// SQLite's slices: one per core unless `--threads` says otherwise.
    private var slices: Int { threads ?? min(256, ProcessInfo.processInfo.activeProcessorCount) }
    /// PostgreSQL's connections reading the rules' audiences at once unless `--threads` says
    /// otherwise (never more than the store's pool): on the 2-core benchmark machine 3 were no
    /// faster than 2 (docs/performance.md).
    static let postgresConnections = 2

    @Flag(name: .long, help: "Print each rule's audience query and its arguments instead of evaluating.")
    var showSQL = false

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            if case .postgres(let settings) = config.store {
                try await planOnPostgres(config, settings)
                return
            }
            let setup = try EvaluationSetup.load(root.global, for: "plan")
            let now = try setup.instant(at)
            if let rule { _ = try setup.requireRule(rule) }
            if let journey { try setup.requireJourney(journey) }
            try checkOptions()
            var settings = try setup.settings(at: now)
            settings.sampleSize = sample
            let evaluator = Evaluator(ruleSet: setup.ruleSet, settings: settings, dialect: setup.store.dialect)
            if showSQL { return printSQL(evaluator) }
            let logger = root.global.makeLogger()
            var tallies = try journey != nil ? [] : ParallelEvaluator(evaluator: evaluator, slices: slices)
                .evaluate(only: rule.map { [$0] }, in: setup.store)
            log(tallies, logger)
            var journeyPlans: [PlanReport.JourneyPlan]?
            if rule == nil, !setup.ruleSet.journeys.isEmpty {
                // Journeys: a whole tick rehearsed on the writer and rolled back (steps depend on
                // what the tick records before them: the rules' sends for the cap, earlier steps).
                let rehearsal = try Outbox(store: setup.store, clock: SystemClock(), logger: logger).tick(
                    ruleSet: setup.ruleSet, settings: try setup.settings(at: now), slices: slices, rehearse: true)
                journeyPlans = PlanReport.journeyPlans(rehearsal.journeys, ruleSet: setup.ruleSet, only: journey)
                // Rule sends a higher-priority journey step would take the cap from count as capped.
                tallies = RuleTally.displacing(rehearsal.journeys, in: tallies)
            }
            var report = PlanReport(
                at: now, timeZone: setup.config.timeZone, tallies: tallies, ruleSet: setup.ruleSet, winners: settings.winners)
            report.journeys = journeyPlans
            try print(report, at: now, timeZone: setup.config.timeZone)
        }
    }

    /// The plan on a PostgreSQL store: the rules' same queries (spelt for PostgreSQL) and verdicts,
    /// the queries read on `--threads` connections (default 2) sharing one exported snapshot, a
    /// rule at a time on each, the rules decided in priority order
    /// (`Evaluator.evaluate(only:readingConcurrently:)`); journeys, as on SQLite, from a whole
    /// tick rehearsed in the tick's transaction under the tick lock and rolled back
    /// (`PostgresOutbox.tick(rehearse:)`).
    private func planOnPostgres(_ config: Config, _ postgres: PostgresSettings) async throws {
        let ruleSet = try EvaluationSetup.ruleSet(config)
        let now = try EvaluationSetup.instant(at, config: config)
        if let rule { _ = try EvaluationSetup.requireRule(rule, in: ruleSet) }
        if let journey { try EvaluationSetup.requireJourney(journey, in: ruleSet) }
        try checkOptions()
        try await root.global.withPostgresStore(postgres, currency: config.currency) { store in
            var settings = EvaluationSetup.settings(config, currency: store.currency, winners: try await store.variantWinners(), at: now)
            settings.sampleSize = sample
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
            if showSQL { return printSQL(evaluator) }
            let only = rule.map { Set([$0]) }
            let logger = root.global.makeLogger()
            var tallies = journey != nil
                ? [] : try await store.inConsistentSnapshots(count: threads ?? Self.postgresConnections, for: "plan") { snapshots in
                    try await evaluator.evaluate(only: only, readingConcurrently: snapshots)
                }
            log(tallies, logger)
            var journeyPlans: [PlanReport.JourneyPlan]?
            if rule == nil, !ruleSet.journeys.isEmpty {
                // Journeys: a whole tick rehearsed and rolled back, as on SQLite (nil only without
                // the tick lock, which a rehearsal waits for).
                let rehearsal: Outbox.TickSummary?
                do {
                    rehearsal = try await PostgresOutbox(store: store, clock: SystemClock(), logger: logger).tick(
                        ruleSet: ruleSet, settings: settings, rehearse: true)
                } catch {
                    throw PostgresStoreError.explaining(error, location: store.location, operation: "rehearse a tick for the journeys' plan")
                }
                if let rehearsal {
                    journeyPlans = PlanReport.journeyPlans(rehearsal.journeys, ruleSet: ruleSet, only: journey)
                    // Rule sends a higher-priority journey step would take the cap from count as capped.
                    tallies = RuleTally.displacing(rehearsal.journeys, in: tallies)
                }
            }
            var report = PlanReport(at: now, timeZone: config.timeZone, tallies: tallies, ruleSet: ruleSet, winners: settings.winners)
            report.journeys = journeyPlans
            try print(report, at: now, timeZone: config.timeZone)
        }
    }

    private func checkOptions() throws {
        guard sample >= 0 else { throw CommandFailure("--sample must be 0 or more") }
        guard (1...256).contains(slices) else { throw CommandFailure("--threads must be 1 to 256") }
    }

    /// `--show-sql`: each rule's audience query and its arguments.
    private func printSQL(_ evaluator: Evaluator) {
        for rule in evaluator.rulesInPriorityOrder where rule.name == (self.rule ?? rule.name) {
            let (sql, arguments) = evaluator.audienceSQL(for: rule)
            Swift.print("-- rule \"\(rule.name)\"\n\(sql);\n-- arguments: \(arguments.joined(separator: ", "))\n")
        }
    }

    private func log(_ tallies: [RuleTally], _ logger: Logger) {
        for tally in tallies {
            logger.debug(
                "evaluated rule",
                metadata: ["rule": "\(tally.rule)", "duration": "\(tally.duration)", "matched": "\(tally.matched)"])
        }
    }

    private func print(_ report: PlanReport, at now: Int64, timeZone: TimeZone) throws {
        if json {
            Swift.print(try report.json())
        } else {
            if journey == nil {
                Swift.print(report.text(localTime: InstantText.local(now, in: timeZone)), terminator: "")
            }
            Swift.print(PlanReport.text(journeys: report.journeys ?? []), terminator: "")
        }
    }
}
