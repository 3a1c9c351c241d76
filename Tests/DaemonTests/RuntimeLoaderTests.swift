import CampaignConfig
import CustomerStore
import Daemon
import Engine
import Foundation
import Logging
import RuleLanguage
import Testing

/// The loader the daemon starts and reloads with, and `check` runs, over the demo in examples/demo
/// (whose config names the repository's rules/ and templates/).
@Suite("RuntimeLoader")
struct RuntimeLoaderTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let demo = repository.appendingPathComponent("examples/demo")

    /// A copy of the demo's config, rules, templates and secrets in a fresh directory, to edit.
    func demoCopy() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("campaignd-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try String(contentsOf: Self.demo.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"../../rules\"", with: "\"rules\"")
            .replacingOccurrences(of: "\"../../templates\"", with: "\"templates\"")
            .write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            at: Self.demo.appendingPathComponent("secrets"), to: directory.appendingPathComponent("secrets"))
        for name in ["rules", "templates"] {
            try FileManager.default.copyItem(
                at: Self.repository.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test("the demo config loads whole: its rules, its channels and the config's policy")
    func demoLoads() throws {
        let configuration = try RuntimeLoader.load(configPath: Self.demo.appendingPathComponent("config.json").path)
        let rules = configuration.runtime.ruleSet.rules.map(\.name)
        // rules/journeys.rules, then rules/lifecycle.rules (files in name order).
        #expect(rules == [
            "lapsed-regular", "second-reminder", "winback-coupon", "birthday", "key-thank-you-letter", "detractor-alert", "abandoned-cart",
        ])
        #expect(configuration.runtime.ruleSet.journeys.map(\.name) == ["onboarding", "new-key-customer"])
        #expect(Set(configuration.runtime.channels.keys) == [.email, .letter, .webhook])
        #expect(configuration.runtime.businessTimeZone.identifier == "Europe/Helsinki")
        #expect(configuration.runtime.currency == "EUR")
        #expect(configuration.tickSeconds == 300, "the default tick: 5 minutes")
    }

    @Test("a broken rule file fails the whole load, naming file:line:column with a caret and a suggestion")
    func brokenRuleFile() throws {
        let directory = try demoCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("rules/broken.rules")
        try "rule \"typo\" {\n  when orderz >= 1 and consent email\n  send email \"birthday\"\n  limit once\n}\n"
            .write(to: broken, atomically: true, encoding: .utf8)
        let failure = #expect(throws: RuntimeLoader.Failure.self) {
            try RuntimeLoader.load(configPath: directory.appendingPathComponent("config.json").path)
        }
        let description = failure?.description ?? ""
        #expect(description.hasPrefix("\(broken.path):2:8: error: unknown fact 'orderz'"), "\(description)")
        #expect(description.contains("did you mean 'orders'?"), "\(description)")
        #expect(!description.contains("\u{1B}["), "no colour in a log line")
    }

    @Test("a template or channel problem fails the load with the same lines check prints")
    func channelProblem() throws {
        let directory = try demoCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "\"unsubscribe_url\": \"https://kauppa.example/unsubscribe\",", with: "")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let failure = #expect(throws: RuntimeLoader.Failure.self) {
            try RuntimeLoader.load(configPath: config.path)
        }
        let loaded = try Config.load(path: config.path)
        let ruleSet = try #require(try RuntimeLoader.rules(config: loaded).ruleSet)
        let problems = RuntimeLoader.templateAndChannelProblems(config: loaded, rules: ruleSet)
        #expect(problems.contains { $0.contains("needs 'channels.email.unsubscribe_url'") }, "\(problems)")
        #expect(failure?.description == problems.joined(separator: "\n"))
    }

    @Test("a reload naming another store or currency fails and the running configuration stays; undone, the reload applies")
    func storeChangeNeedsRestart() async throws {
        let directory = try demoCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config.json").path
        let original = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"../../var/demo/campaignd.sqlite\"", with: "\"store.sqlite\"")
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try Config.load(path: path)
        let store = try CustomerStore(path: config.storePath, currency: config.currency)
        let engine = try RuntimeLoader.engine(store: store, configPath: path, logger: Logger(label: "test"))
        let rules = engine.configuration.runtime.ruleSet.rules.map(\.name)

        // Another store, and a rule file removed: nothing of it applies.
        try original.replacingOccurrences(of: "\"store.sqlite\"", with: "\"other.sqlite\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("rules/journeys.rules"))
        let moved = await #expect(throws: RuntimeLoader.Failure.self) { try await engine.reload() }
        #expect(moved?.description.hasPrefix("the config's store changed (\(config.storePath) → ") == true, "\(String(describing: moved))")
        #expect(moved?.description.hasSuffix("(hint: restart campaignd to use the new one)") == true)
        #expect(engine.configuration.runtime.ruleSet.rules.map(\.name) == rules)

        try original.replacingOccurrences(of: "\"currency\": \"EUR\"", with: "\"currency\": \"SEK\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let recurrenced = await #expect(throws: RuntimeLoader.Failure.self) { try await engine.reload() }
        #expect(recurrenced?.description.hasPrefix("the config's currency changed (EUR → SEK)") == true, "\(String(describing: recurrenced))")
        #expect(engine.configuration.runtime.currency == "EUR")

        // The store and currency as opened: the reload applies the removed rule file.
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        try await engine.reload()
        #expect(engine.configuration.runtime.ruleSet.rules.count < rules.count)
    }

    @Test("a journey step's template is checked like a rule's, and the load counts the journey")
    func journeyStepTemplate() throws {
        let directory = try demoCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let email = directory.appendingPathComponent("templates/email")
        try "Thanks, {{customer.nickname}}".write(
            to: email.appendingPathComponent("journey-thanks.subject.mustache"), atomically: true, encoding: .utf8)
        try "Thank you.".write(
            to: email.appendingPathComponent("journey-thanks.text.mustache"), atomically: true, encoding: .utf8)
        try "journey \"welcome\" {\n  enter when orders = 1\n  step \"thanks\" { send email \"journey-thanks\" }\n}\n"
            .write(to: directory.appendingPathComponent("rules/journey.rules"), atomically: true, encoding: .utf8)
        let config = try Config.load(path: directory.appendingPathComponent("config.json").path)
        let ruleSet = try #require(try RuntimeLoader.rules(config: config).ruleSet)
        #expect(ruleSet.summary == "7 rules, 3 journeys, 3 segments", "the starting set's 7 rules and 2 journeys, and this one")
        let problems = RuntimeLoader.templateAndChannelProblems(config: config, rules: ruleSet)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.contains("journey-thanks.subject.mustache") == true, "\(problems)")
        #expect(problems.first?.contains("unknown variable 'customer.nickname'") == true, "\(problems)")
    }
}
