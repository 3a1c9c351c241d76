import ArgumentParser
import CampaignConfig
import CustomerStore
import Evaluation
import Foundation
import Reporting
import RuleLanguage

/// `campaignd report`: per rule, recipients against the holdout — conversion, revenue per
/// customer, lift with 95 % intervals and a verdict. Reads the store; writes nothing to it.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Measure each rule against its holdout: conversion, revenue per customer, lift and a verdict.")

    @ParentCommand var root: Campaignd

    @Option(name: .long, help: "Only this rule.")
    var rule: String?

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
            let config = try root.global.loadConfig()
            guard FileManager.default.fileExists(atPath: config.storePath) else {
                throw CommandFailure("no store at \(config.storePath)", hint: "import customers first: campaignd import customers FILE")
            }
            guard (1...366).contains(window) else { throw CommandFailure("--window must be 1 to 366 days") }
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
            let store = try CustomerStore(path: config.storePath, currency: config.currency)
            if let rule {
                let names = try store.sendLog.ruleNames()
                guard names.contains(rule) else {
                    throw CommandFailure(
                        "no rule named \"\(rule)\" in the send log",
                        hint: EditDistance.suggestion(for: rule, among: names).map { "did you mean \"\($0)\"?" }
                            ?? "campaignd log lists what was sent")
                }
            }
            let query = ReportQuery(
                since: try instant(since, "--since"), now: now, windowDays: window, rule: rule,
                utcOffsetSeconds: zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(now))))
            let report = try Report(query: query, store: store, timeZone: zone)
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
}
