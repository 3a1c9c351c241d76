import ArgumentParser
import CustomerStore
import Evaluation
import Foundation
import PostgresStore
import RuleLanguage

/// `campaignd journeys`: each journey, its version, how many customers are at each step (and
/// of those still waiting), and how enrolments ended; on either store.
struct JourneysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journeys",
        abstract: "Show each journey: its version hash, customers per step and waiting, enrolments ended by reason.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Count waiting customers as of this instant (default: now).")
    var at: String?

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    struct Entry: Codable {
        struct Step: Codable {
            var name: String
            var customers: Int
            var waiting: Int
        }
        var name: String
        var version: String?
        var file: String?
        /// False for a journey that has enrolments in the store but is no longer in the rules.
        var loaded: Bool
        var steps: [Step]
        var active: Int
        /// Active enrolments that last moved under another version than the loaded one.
        var activeOnOtherVersions: Int
        var ended: [String: Int]

        enum CodingKeys: String, CodingKey {
            case name, version, file, loaded, steps, active, ended
            case activeOnOtherVersions = "active_on_other_versions"
        }
    }

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            let (ruleSet, counts): (RuleSet, [JourneyCounts])
            switch config.store {
            case .sqlite:
                let setup = try EvaluationSetup.load(root.global, for: "journeys")
                (ruleSet, counts) = (setup.ruleSet, try setup.store.enrolments.counts(now: try setup.instant(at)))
            case .postgres(let settings):
                ruleSet = try EvaluationSetup.ruleSet(config)
                let now = try EvaluationSetup.instant(at, config: config)
                counts = try await root.global.withPostgresStore(settings, currency: config.currency) { try await $0.journeyCounts(now: now) }
            }
            let entries = Self.entries(ruleSet: ruleSet, counts: counts)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(["journeys": entries]), as: UTF8.self))
                return
            }
            if entries.isEmpty {
                print("no journeys")
                return
            }
            for entry in entries {
                print(Self.text(entry), terminator: "")
            }
        }
    }

    /// One entry per loaded journey (source order), then one per journey only the store knows.
    static func entries(ruleSet: RuleSet, counts: [JourneyCounts]) -> [Entry] {
        let byName = Dictionary(uniqueKeysWithValues: counts.map { ($0.journey, $0) })
        var entries = ruleSet.journeys.map { journey in
            let count = byName[journey.name] ?? JourneyCounts(journey: journey.name)
            var steps = journey.steps.map { step in
                Entry.Step(name: step.name, customers: count.activeByStep[step.name] ?? 0, waiting: count.waitingByStep[step.name] ?? 0)
            }
            // Enrolments at a step this version removed (they leave at the next tick).
            for (name, customers) in count.activeByStep.sorted(by: { $0.key < $1.key }) where journey.step(named: name) == nil {
                steps.append(Entry.Step(name: name, customers: customers, waiting: count.waitingByStep[name] ?? 0))
            }
            return Entry(
                name: journey.name, version: journey.contentHash, file: journey.filePath, loaded: true, steps: steps,
                active: count.active, activeOnOtherVersions: count.active - (count.activeByVersion[journey.contentHash] ?? 0),
                ended: count.endedByReason)
        }
        for count in counts where ruleSet.journey(named: count.journey) == nil {
            entries.append(
                Entry(
                    name: count.journey, version: nil, file: nil, loaded: false,
                    steps: count.activeByStep.sorted { $0.key < $1.key }.map {
                        Entry.Step(name: $0.key, customers: $0.value, waiting: count.waitingByStep[$0.key] ?? 0)
                    },
                    active: count.active, activeOnOtherVersions: count.active, ended: count.endedByReason))
        }
        return entries
    }

    static func text(_ entry: Entry) -> String {
        var out = "journey \"\(entry.name)\""
        out += entry.loaded ? "  version \(entry.version ?? "")  (\(entry.file ?? ""))\n" : "  (not in the rules: its enrolments wait)\n"
        out += "  active: \(entry.active)"
        if entry.activeOnOtherVersions > 0 { out += " (\(entry.activeOnOtherVersions) last moved under an earlier version)" }
        out += "\n"
        for step in entry.steps {
            out += "    step \"\(step.name)\": \(step.customers) customer\(step.customers == 1 ? "" : "s"), \(step.waiting) waiting\n"
        }
        let ended = entry.ended.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        out += "  ended: \(ended.isEmpty ? "none" : ended.joined(separator: ", "))\n"
        return out
    }
}
