import CampaignConfig
import CustomerStore
import Daemon
import Evaluation
import Foundation
import RuleLanguage

#if canImport(Glibc)
    import Glibc
#endif

/// What `plan` and `explain` evaluate: the config, the checked rules (loaded as the daemon
/// loads them) and the store.
struct EvaluationSetup {
    let config: Config
    let ruleSet: RuleSet
    let store: CustomerStore

    /// Loads all three, or fails with one clear line: rule errors are printed as `check` prints
    /// them; a missing store is not created.
    static func load(_ global: GlobalOptions, for command: String) throws -> EvaluationSetup {
        let config = try global.loadConfig(for: command)
        let ruleSet = try Self.ruleSet(config)
        guard FileManager.default.fileExists(atPath: config.storePath) else {
            throw CommandFailure("no store at \(config.storePath)", hint: "import customers first: campaignd import customers FILE")
        }
        let store = try CustomerStore(path: config.storePath, currency: config.currency)
        return EvaluationSetup(config: config, ruleSet: ruleSet, store: store)
    }

    /// The config's rules, checked as the daemon loads them, or one clear line (each error
    /// printed first as `check` prints it).
    static func ruleSet(_ config: Config) throws -> RuleSet {
        let directory = RuntimeLoader.relativeToCurrentDirectory(config.rulesDirectory)
        let result: CheckResult
        do {
            result = try RuntimeLoader.rules(config: config)
        } catch let error as RuleSetLoadError {
            throw CommandFailure(error.description, hint: "set \"rules\" in the config")
        }
        guard let ruleSet = result.ruleSet else {
            let renderer = DiagnosticRenderer(colour: isatty(STDERR_FILENO) == 1)
            FileHandle.standardError.write(Data(renderer.render(result.diagnostics.filter { $0.severity == .error }).utf8))
            throw CommandFailure(
                "the rules in \(directory) have \(result.errorCount) error\(result.errorCount == 1 ? "" : "s")",
                hint: "fix them (campaignd check shows each) and run this again")
        }
        return ruleSet
    }

    /// The instant `--at` names (default: now).
    func instant(_ text: String?) throws -> Int64 {
        try Self.instant(text, config: config)
    }

    /// The instant `--at` names (default: now), in `config`'s business time zone.
    static func instant(_ text: String?, config: Config) throws -> Int64 {
        guard let text else { return Int64(Date().timeIntervalSince1970) }
        guard let instant = InstantText.parse(text, businessTimeZone: config.timeZone) else {
            throw CommandFailure(
                "--at '\(text)' is not a date or time",
                hint: "write 2026-11-20, 2026-11-20T09:30 (business time zone) or 2026-11-20T07:30:00Z")
        }
        return instant
    }

    /// The evaluation settings at `now`, with the store's recorded A/B winners.
    func settings(at now: Int64) throws -> EvaluationSettings {
        Self.settings(config, currency: store.currency, winners: try store.variantWinners(), at: now)
    }

    /// The evaluation settings of `config` at `now`, with a store's currency and recorded winners.
    static func settings(_ config: Config, currency: String, winners: [VariantWinner], at now: Int64) -> EvaluationSettings {
        var settings = EvaluationSettings(
            now: now, businessTimeZone: config.timeZone, currency: currency,
            contactPressureMessages: config.contactPressure.maxMessages,
            contactPressureDays: config.contactPressure.perDays,
            defaultEmailQuietHours: config.defaultEmailQuietHours)
        for winner in winners { settings.winners[winner.rule] = winner.variant }
        return settings
    }

    /// The rule named `name`, or a failure with a did-you-mean.
    func requireRule(_ name: String) throws -> Rule {
        try Self.requireRule(name, in: ruleSet)
    }

    /// Fails with a did-you-mean unless a journey named `name` is loaded.
    func requireJourney(_ name: String) throws {
        try Self.requireJourney(name, in: ruleSet)
    }

    /// The rule of `ruleSet` named `name`, or a failure with a did-you-mean.
    static func requireRule(_ name: String, in ruleSet: RuleSet) throws -> Rule {
        if let rule = ruleSet.rule(named: name) { return rule }
        if let slash = name.firstIndex(of: "/"), let journey = ruleSet.journey(named: String(name[..<slash])) {
            throw CommandFailure(
                "\"\(name)\" is a step of journey \"\(journey.name)\", not a rule", hint: "use --journey \(journey.name)")
        }
        let suggestion = EditDistance.suggestion(for: name, among: ruleSet.rules.map(\.name))
        throw CommandFailure(
            "no rule named \"\(name)\"",
            hint: suggestion.map { "did you mean \"\($0)\"?" } ?? "campaignd plan lists every rule")
    }

    /// Fails with a did-you-mean unless `ruleSet` has a journey named `name`.
    static func requireJourney(_ name: String, in ruleSet: RuleSet) throws {
        guard ruleSet.journey(named: name) == nil else { return }
        let suggestion = EditDistance.suggestion(for: name, among: ruleSet.journeys.map(\.name))
        throw CommandFailure(
            "no journey named \"\(name)\"",
            hint: suggestion.map { "did you mean \"\($0)\"?" } ?? "campaignd journeys lists every journey")
    }
}
