import CampaignConfig
import Delivery
import RuleLanguage

extension RuntimeLoader {
    /// Every problem with the templates and channels `rules` need, one line each.
    ///
    /// Every template a rule names is parsed and rendered against a sample context (unknown
    /// variables with file:line), then the channels are set up as the daemon would (live
    /// settings, secret files).
    public static func templateAndChannelProblems(config: Config, rules: RuleSet) -> [String] {
        let templates = TemplateSet(directory: relativeToCurrentDirectory(config.templatesDirectory))
        var seen: Set<String> = []
        var lines: [String] = []
        for rule in rules.rules {
            for problem in templates.check(channel: rule.channel, name: rule.target, rule: rule.name) {
                let line = "\(problem.location): error: \(problem.message)"
                if seen.insert(line).inserted { lines.append(line) }
            }
        }
        let email = config.channels.email.settings
        if rules.rules.contains(where: { $0.channel == .email }) && (email["unsubscribe_url"] == nil || email["unsubscribe_secret_file"] == nil) {
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
