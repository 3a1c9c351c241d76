import ArgumentParser
import CampaignConfig
import CustomerStore
import Evaluation
import Foundation
import PostgresStore
import Reporting
import RuleLanguage

/// `campaignd report`: per rule, recipients against the holdout — conversion, revenue per
/// customer, lift with 95 % intervals and a verdict; per journey, entrants against the entry
/// holdout and each step's sends and skips. Reads the store, SQLite or PostgreSQL; writes nothing to it.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Measure each rule and journey against its holdout: conversion, revenue per customer, lift and a verdict.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Only this rule (no journeys).")
    var rule: String?

    @Option(name: .long, help: "Only this journey (no rules).")
    var journey: String?

    @Option(name: .long, help: "Only decisions at or after this time (2026-11-20, 2026-11-20T09:30 or ISO 8601).")
    var since: String?

    @Option(name: .long, help: "Days after a decision in which a purchase counts as a conversion.")
    var window: Int = 7

    @Option(name: .long, help: "The report's instant (default: now): only windows ended by then are measured.")
    var at: String?

    @Flag(name: .long, help: "Print one JSON document (field names in docs/cli.md).")
    var json = false

    @Option(name: .long, help: "Also write a self-contained HTML page with a chart per rule to this file.")
    var html: String?

    func run() async throws {
        try await failingCleanly {
            let config = try root.global.loadConfigAnyStore()
            if case .sqlite(let path) = config.store, !FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("no store at \(path)", hint: "import customers first: campaignd import customers FILE")
            }
            guard (1...366).contains(window) else { throw CommandFailure("--window must be 1 to 366 days") }
            guard rule == nil || journey == nil else {
                throw CommandFailure("--rule and --journey exclude each other", hint: "report one rule or one journey")
            }
            let zone = config.timeZone
            func instant(_ text: String?, _ option: String) throws -> Int64? {
                guard let text else { return nil }
                guard let instant = InstantText.parse(text, businessTimeZone: zone) else {
                    throw CommandFailure(
                        "\(option) '\(text)' is not a date or time", hint: "write 2026-11-20, 2026-11-20T09:30 or 2026-11-20T07:30:00Z")
                }
                return instant
            }
            let now = try instant(at, "--at") ?? Int64(Date().timeIntervalSince1970)
            let query = ReportQuery(
                since: try instant(since, "--since"), now: now, windowDays: window, rule: rule, journey: journey,
                utcOffsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(now))))
            // The rows, after checking the names a --rule or --journey must be among, from either store.
            let (rows, currency): (ReportRows, String)
            switch config.store {
            case .sqlite(let path):
                let store = try CustomerStore(path: path, currency: config.currency)
                if let rule { try SendLogNames(store).require(rule, stepsAllowed: false) }
                if let journey { try Self.require(journey: journey, among: try store.enrolments.counts(now: now).map(\.journey)) }
                (rows, currency) = (try store.reportRows(query.request), store.currency)
            case .postgres(let settings):
                (rows, currency) = try await root.global.withPostgresStore(settings, currency: config.currency) { store in
                    if let rule {
                        let sent = try await store.sendLogNames()
                        try SendLogNames(sentRules: sent.rules, sentSteps: sent.steps).require(rule, stepsAllowed: false)
                    }
                    if let journey { try Self.require(journey: journey, among: try await store.journeyCounts(now: now).map(\.journey)) }
                    return (try await store.reportRows(query.request), store.currency)
                }
            }
            let report = Report(query: query, rows: rows, currency: currency, timeZone: zone)
            let localTime = { (seconds: Int64) in InstantText.local(seconds, in: zone) }
            if let html {
                do {
                    try report.html(localTime: localTime).write(toFile: html, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandFailure("cannot write \(html): \(error.localizedDescription)")
                }
            }
            if json {
                print(try report.json())
            } else {
                print(report.text(localTime: localTime), terminator: "")
            }
        }
    }

    /// Fails unless `journey` is among the journeys with entrants, with a did-you-mean.
    static func require(journey: String, among journeys: [String]) throws {
        guard !journeys.contains(journey) else { return }
        throw CommandFailure(
            "no journey named \"\(journey)\" has entrants",
            hint: EditDistance.suggestion(for: journey, among: journeys).map { "did you mean \"\($0)\"?" }
                ?? "campaignd journeys lists the journeys and their enrolments")
    }
}
