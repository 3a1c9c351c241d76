import CampaignConfig
import Delivery
import RuleLanguage

extension RuntimeLoader {
    /// Every problem with the templates and channels `rules` need, one line each.
    ///
    /// Every template a rule or journey step names is parsed and rendered against a sample
    /// context (unknown variables with file:line), then the channels are set up as the daemon
    /// would (live settings, secret files).
    public static func templateAndChannelProblems(config: Config, rules: RuleSet) -> [String] {
        let templates = TemplateSet(directory: relativeToCurrentDirectory(config.templatesDirectory))
        var seen: Set<String> = []
        var lines: [String] = []
        let sends = rules.rules.flatMap { rule in rule.targets.map { (channel: rule.channel, target: $0, name: rule.name, purpose: rule.purpose) } }
            + rules.journeys.flatMap { journey in
                journey.steps.flatMap { step in
                    step.targets.map { (channel: step.channel, target: $0, name: journey.sendName(of: step), purpose: step.purpose) }
                }
            }
        for send in sends {
            for problem in templates.check(channel: send.channel, name: send.target, rule: send.name) {
                let line = "\(problem.location): error: \(problem.message)"
                if seen.insert(line).inserted { lines.append(line) }
            }
        }
        let email = config.channels.email.settings
        // Service email carries no List-Unsubscribe (docs/rules.md), so only marketing email needs them.
        if sends.contains(where: { $0.channel == .email && $0.purpose == .marketing }) && (email["unsubscribe_url"] == nil || email["unsubscribe_secret_file"] == nil) {
            lines.append("config: error: rules send marketing email, which needs 'channels.email.unsubscribe_url' and 'unsubscribe_secret_file' (List-Unsubscribe)")
        }
        do {
            _ = try ChannelSet.make(config: config, templates: templates)
        } catch {
            lines += error.problems.map { "config: error: \($0)" }
        }
        return lines
    }
}
