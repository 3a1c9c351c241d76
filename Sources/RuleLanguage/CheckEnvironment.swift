/// What the checker may know about the world outside the rule files, supplied by the caller so
/// the checker never touches the file system or the database.
public struct CheckEnvironment: Sendable {
    /// Email templates that exist (both `NAME.subject.mustache` and `NAME.text.mustache`).
    public var emailTemplates: Set<String>
    /// Letter templates that exist (`NAME.html.mustache`).
    public var letterTemplates: Set<String>
    /// Webhook endpoint names from `channels.webhook.endpoints` in the config.
    public var webhookEndpoints: Set<String>
    /// Where templates live, for hints (e.g. `templates`); nil to leave paths out of hints.
    public var templatesDirectory: String?
    /// Each email template's text (subject and body together), for the warning on a `service`
    /// email that reads like marketing; empty to skip that check.
    public var emailTemplateTexts: [String: String] = [:]

    public init(
        emailTemplates: Set<String>, letterTemplates: Set<String>, webhookEndpoints: Set<String>,
        templatesDirectory: String? = nil
    ) {
        self.emailTemplates = emailTemplates
        self.letterTemplates = letterTemplates
        self.webhookEndpoints = webhookEndpoints
        self.templatesDirectory = templatesDirectory
    }
}
