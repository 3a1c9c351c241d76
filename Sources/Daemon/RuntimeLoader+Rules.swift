import CampaignConfig
import Foundation
import RuleLanguage

extension RuntimeLoader {
    /// Reads and checks every rule file in `directory` (default: the config's), with the
    /// templates and webhook endpoints the config provides.
    ///
    /// File names in the diagnostics are relative to the current directory when they are under it.
    ///
    /// - Throws: `RuleSetLoadError` when the directory cannot be read.
    public static func rules(config: Config, directory: String? = nil) throws -> CheckResult {
        let directory = relativeToCurrentDirectory(directory ?? config.rulesDirectory)
        return try RuleSetLoader.load(directory: directory, environment: environment(config: config))
    }

    /// `rules` for `/current/dir/rules`, so diagnostics name files the way the user would.
    public static func relativeToCurrentDirectory(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath
        return path.hasPrefix(current + "/") ? String(path.dropFirst(current.count + 1)) : path
    }

    /// Which templates and webhook endpoints exist, for the rule checker.
    ///
    /// An email template needs both `NAME.subject.mustache` and `NAME.text.mustache`; a letter
    /// needs `NAME.html.mustache`; webhook endpoints come from `channels.webhook.endpoints`.
    public static func environment(config: Config) -> CheckEnvironment {
        let templates = config.templatesDirectory
        func names(in folder: String, ending suffix: String) -> Set<String> {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: templates + "/" + folder)) ?? []
            return Set(files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) })
        }
        let email = names(in: "email", ending: ".subject.mustache")
            .intersection(names(in: "email", ending: ".text.mustache"))
        var environment = CheckEnvironment(
            emailTemplates: email,
            letterTemplates: names(in: "letter", ending: ".html.mustache"),
            webhookEndpoints: Set(config.channels.webhookEndpoints.keys),
            templatesDirectory: relativeToCurrentDirectory(templates))
        // For the warning on a `service` email that reads like marketing.
        for name in email {
            let parts = ["subject.mustache", "text.mustache", "html.mustache"].compactMap {
                try? String(contentsOfFile: "\(templates)/email/\(name).\($0)", encoding: .utf8)
            }
            environment.emailTemplateTexts[name] = parts.joined(separator: "\n")
        }
        return environment
    }
}
