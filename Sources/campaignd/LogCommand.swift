import ArgumentParser
import CampaignConfig
import CustomerStore
import Daemon
import Evaluation
import Foundation
import PostgresStore
import RuleLanguage

/// `campaignd log`: the send log, newest first, with the reason for each row.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the send log, newest first: every send, holdout, skip and failure with its reason.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Only this rule, or journey step as JOURNEY/STEP.")
    var rule: String?

    @Option(name: .long, help: "Only the steps of this journey.")
    var journey: String?

    @Option(name: .long, help: "Only this step of the journey given with --journey.")
    var step: String?

    @Option(name: .long, help: "Only this customer (the id as imported).")
    var customer: String?

    @Option(name: .long, help: "Only this status: queued, in_flight, sent, failed, holdout or skipped.")
    var status: String?

    @Option(name: .long, help: "Only rows changed at or after this time (2026-11-20, 2026-11-20T09:30 or ISO 8601).")
    var since: String?

    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 50

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    struct Entry: Codable {
        var sendID: String
        var rule: String
        var ruleHash: String
        var customer: String?
        var channel: String
        var target: String
        var status: String
        var reason: String?
        var lastError: String?
        var attempts: Int
        var decidedAt: String
        var dueAt: String?
        var updatedAt: String
        var evidence: String
        /// A journey step's send: its journey and step (`rule` is `JOURNEY/STEP`).
        var journey: String?
        var step: String?
        /// The A/B variant chosen at queueing (also `target`); null without variants.
        var variant: String?

        enum CodingKeys: String, CodingKey {
            case sendID = "send_id", rule, ruleHash = "rule_hash", customer, channel, target, status, reason, journey, step
            case variant
            case lastError = "last_error", attempts, decidedAt = "decided_at", dueAt = "due_at", updatedAt = "updated_at"
            case evidence
        }
    }

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            if case .sqlite(let path) = config.store, !FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("no store at \(path)", hint: "import customers first: campaignd import customers FILE")
            }
            var filter = SendLogFilter(rule: rule, customer: customer, limit: limit)
            if let step, journey == nil {
                throw CommandFailure("--step '\(step)' needs --journey", hint: "name the journey: campaignd log --journey NAME --step \(step)")
            }
            filter.journey = journey
            filter.step = step
            if let status {
                guard let known = SendStatus(rawValue: status) else {
                    throw CommandFailure(
                        "unknown status '\(status)'", hint: "one of \(SendStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.status = known
            }
            guard limit > 0 else { throw CommandFailure("--limit must be 1 or more") }
            if let since {
                guard let instant = InstantText.parse(since, businessTimeZone: config.timeZone) else {
                    throw CommandFailure("--since '\(since)' is not a date or time", hint: "write 2026-11-20, 2026-11-20T09:30 or 2026-11-20T07:30:00Z")
                }
                filter.changedSince = instant
            }
            // The rows, and the send log's names in case a --rule matched none (on PostgreSQL read
            // with the rows, before the store closes).
            let rows: [SendLogEntry]
            let sent: () async throws -> (rules: [String], steps: [String])
            switch config.store {
            case .sqlite(let path):
                let store = try CustomerStore(path: path, currency: config.currency)
                rows = try store.sendLog.entries(filter)
                sent = { (try store.sendLog.ruleNames(), try store.sendLog.journeyStepNames()) }
            case .postgres(let settings):
                let needNames = rule != nil
                let read = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    let rows = try await store.sendLogEntries(filter)
                    return (rows, rows.isEmpty && needNames ? try await store.sendLogNames() : ([], []))
                }
                rows = read.0
                sent = { read.1 }
            }
            // No rows for a name neither the send log nor the rules know: say so (a warning, so scripts that
            // poll for a rule's first send keep their empty listing), with a did-you-mean.
            // A configured rule or step that has sent nothing yet is not a mistake; rules that do
            // not load (broken, or no rules directory) leave the send log's names alone.
            if let rule, rows.isEmpty {
                let names = try await sent()
                let configured = try? RuntimeLoader.rules(config: config).ruleSet
                if let problem = SendLogNames(sentRules: names.rules, sentSteps: names.steps, configured: configured)
                    .problem(with: rule, stepsAllowed: true) {
                    printError("warning: \(problem.message)")
                    if let hint = problem.hint { printError("hint: \(hint)") }
                }
            }
            let zone = config.timeZone
            let entries = rows.map { row in
                let send = row.record
                return Entry(
                    sendID: send.sendID, rule: send.rule, ruleHash: send.ruleHash, customer: row.externalID,
                    channel: send.channel, target: send.target, status: send.status.rawValue, reason: send.reason,
                    lastError: send.lastError, attempts: send.attempts, decidedAt: InstantText.utc(send.decidedAt),
                    dueAt: send.dueAt.map { InstantText.utc($0) }, updatedAt: InstantText.utc(send.updatedAt), evidence: send.evidence,
                    journey: send.journey, step: send.step, variant: send.variant)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(["entries": entries]), as: UTF8.self))
                return
            }
            if entries.isEmpty {
                print("no rows")
                return
            }
            for (entry, row) in zip(entries, rows) {
                let when = InstantText.local(row.record.updatedAt, in: zone)
                let why = [entry.reason, entry.lastError.map { "last error: \($0)" }].compactMap { $0 }.joined(separator: "; ")
                print("\(when)  \(entry.status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.rule) → \(entry.customer ?? "(erased)") \(entry.channel) \"\(entry.target)\"\(entry.variant == nil ? "" : " (variant)")  send \(entry.sendID)\(entry.attempts > 1 ? ", \(entry.attempts) attempts" : "")\(why.isEmpty ? "" : "  (\(why))")")
            }
        }
    }
}
