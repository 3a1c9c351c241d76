import CustomerStore
import RuleLanguage

/// The names `report --rule` and `log --rule` accept, from the send log: rules, and for `log`
/// journey steps as `JOURNEY/STEP` (the name their rows carry, as `received "…"` reads it).
/// `log` also knows the configured rules and steps that have sent nothing yet.
struct SendLogNames {
    let rules: [String]
    let steps: [String]

    /// - Parameter configured: the loaded rule set, whose rule and step names count as known
    ///   even before their first row.
    init(_ store: CustomerStore, configured: RuleSet? = nil) throws {
        self.init(sentRules: try store.sendLog.ruleNames(), sentSteps: try store.sendLog.journeyStepNames(), configured: configured)
    }

    /// From the send log's names, read from either store.
    init(sentRules: [String], sentSteps: [String], configured: RuleSet? = nil) {
        let configuredRules = configured?.rules.map(\.name) ?? []
        let configuredSteps = configured?.journeys.flatMap { journey in journey.steps.map { "\(journey.name)/\($0.name)" } } ?? []
        rules = sentRules + configuredRules.filter { !sentRules.contains($0) }
        steps = sentSteps + configuredSteps.filter { !sentSteps.contains($0) }
    }

    /// Fails unless `name` is a rule in the send log, or (with `stepsAllowed`) a journey step's
    /// send name (`problem(with:stepsAllowed:)`).
    func require(_ name: String, stepsAllowed: Bool) throws {
        if let problem = problem(with: name, stepsAllowed: stepsAllowed) { throw problem }
    }

    /// Nil when `name` is a rule in the send log, or (with `stepsAllowed`) a journey step's send
    /// name; else what is wrong: a step where a rule is wanted points to `--journey`, anything
    /// else gets a did-you-mean among the names accepted.
    func problem(with name: String, stepsAllowed: Bool) -> CommandFailure? {
        if rules.contains(name) || (stepsAllowed && steps.contains(name)) { return nil }
        if let slash = name.firstIndex(of: "/"), steps.contains(name) {
            let journey = String(name[..<slash])
            return CommandFailure(
                "\"\(name)\" is a step of journey \"\(journey)\", not a rule",
                hint: "report the journey, per step: campaignd report --journey \(journey)")
        }
        let accepted = stepsAllowed ? rules + steps : rules
        return CommandFailure(
            stepsAllowed ? "no rule or journey step named \"\(name)\" in the send log or the rules" : "no rule named \"\(name)\" in the send log",
            hint: EditDistance.suggestion(for: name, among: accepted).map { "did you mean \"\($0)\"?" }
                ?? "campaignd log lists what was sent")
    }
}
