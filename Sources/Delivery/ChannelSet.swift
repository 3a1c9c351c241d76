import CampaignConfig
import Foundation
import RuleLanguage

/// The three channels as the config sets them up (spool or live). The engine makes one at start
/// and a new one on reload (which also re-enables webhook endpoints disabled by a 410, and
/// re-reads templates and secrets); a set's live channels close their connections when released.
public struct ChannelSet: Sendable {
    public let email: any DeliveryChannel
    public let letter: any DeliveryChannel
    public let webhook: any DeliveryChannel
    public let templates: TemplateSet

    /// The channel for `send CHANNEL …`.
    public func channel(for channel: Channel) -> any DeliveryChannel {
        switch channel {
        case .email: email
        case .letter: letter
        case .webhook: webhook
        }
    }

    /// Builds the channels from the config, reading templates from `config.templatesDirectory`
    /// and every secret the live channels need.
    ///
    /// - Throws: `ChannelSetupError` listing every invalid setting and unreadable secret file.
    public static func make(
        config: Config, templates: TemplateSet? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(ChannelSetupError) -> ChannelSet {
        let templates = templates ?? TemplateSet(directory: config.templatesDirectory)
        var problems: [String] = []
        func attempt<T>(_ body: () throws(ChannelSetupError) -> T) -> T? {
            do { return try body() } catch {
                problems += error.problems
                return nil
            }
        }
        let channels = config.channels
        let emailSettings = channels.email.settings

        // Sender and unsubscribe links: needed by spool and live email alike.
        let fromText = emailSettings["from"] ?? (channels.email.mode == .spool ? "campaignd@localhost" : "")
        let fromIsOneLine = fromText.utf8.count <= 998 && !fromText.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        let from = fromIsOneLine ? EmailAddress(parsing: fromText) : nil
        if !fromIsOneLine {
            problems.append("'channels.email.from' must be one line of at most 998 characters, without control characters")
        } else if from == nil {
            problems.append(fromText.isEmpty
                ? "'channels.email.from' is needed for live email (e.g. \"Shop <shop@example.com>\")"
                : "'channels.email.from' is not an address like \"Shop <shop@example.com>\": \"\(HeaderEncoding.sanitize(fromText))\"")
        }
        let unsubscribe = attempt { () throws(ChannelSetupError) in try UnsubscribeToken.configured(email: emailSettings, environment: environment) } ?? nil
        if unsubscribe == nil && channels.email.mode == .live && emailSettings["unsubscribe_url"] == nil && emailSettings["unsubscribe_secret_file"] == nil {
            problems.append("'channels.email.unsubscribe_url' and 'unsubscribe_secret_file' are needed for live email (List-Unsubscribe on marketing mail)")
        }
        let composer = Composer(
            templates: templates, from: from ?? EmailAddress(address: "campaignd@localhost")!, unsubscribe: unsubscribe, now: now)

        // Webhook endpoints and their secrets.
        var endpoints: [String: WebhookChannel.Endpoint] = [:]
        for (name, endpoint) in channels.webhookEndpoints.sorted(by: { $0.key < $1.key }) {
            let key = "channels.webhook.endpoints.\(name).secret_files"
            var secrets: [String] = []
            for file in endpoint.secretFiles {
                if let secret = attempt({ () throws(ChannelSetupError) in try SecretFile.read(file, key: key, environment: environment) }) {
                    secrets.append(secret)
                }
            }
            if channels.webhook.mode == .live && endpoint.secretFiles.isEmpty {
                problems.append("'\(key)' needs at least one whsec_ secret file for a live webhook")
            }
            do {
                endpoints[name] = .init(url: endpoint.url, signer: try StandardWebhookSigner(secrets: secrets))
            } catch {
                problems.append("'\(key)': a secret \(error)")
            }
        }

        func spool(_ channel: Channel, _ settings: Config.Channel) -> any DeliveryChannel {
            SpoolChannel(
                directory: settings.spoolDirectory, channel: channel, composer: composer,
                webhookEndpoints: Set(channels.webhookEndpoints.keys))
        }

        var email: (any DeliveryChannel)?
        if channels.email.mode == .spool {
            email = spool(.email, channels.email)
        } else {
            email = attempt { () throws(ChannelSetupError) in try liveEmail(channels.email, composer: composer, environment: environment) }
        }
        var letter: (any DeliveryChannel)?
        if channels.letter.mode == .spool {
            letter = spool(.letter, channels.letter)
        } else {
            letter = attempt { () throws(ChannelSetupError) in try liveLetter(channels.letter, composer: composer, environment: environment) }
        }
        let webhook: any DeliveryChannel = channels.webhook.mode == .spool
            ? spool(.webhook, channels.webhook)
            : WebhookChannel(
                endpoints: endpoints, composer: composer, connections: channels.webhook.connections,
                timeout: channels.webhook.timeout)

        guard problems.isEmpty, let email, let letter else { throw ChannelSetupError(problems: problems) }
        return ChannelSet(email: email, letter: letter, webhook: webhook, templates: templates)
    }

    private static func liveEmail(
        _ settings: Config.Channel, composer: Composer, environment: [String: String]
    ) throws(ChannelSetupError) -> EmailChannel {
        var problems: [String] = []
        let url = settings.settings["smtp_url"] ?? ""
        let lower = url.lowercased()
        if !(lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://")) || url.contains(where: { $0.isWhitespace }) {
            problems.append("'channels.email.smtp_url' must be an smtp:// or smtps:// URL such as \"smtp://mail.example.com:587\"")
        }
        var password: String?
        let username = settings.settings["username"]
        switch (username, settings.settings["password_file"]) {
        case (_?, let file?):
            do { password = try SecretFile.read(file, key: "channels.email.password_file", environment: environment) } catch { problems += error.problems }
        case (_?, nil): problems.append("'channels.email.username' needs 'channels.email.password_file'")
        case (nil, _?): problems.append("'channels.email.password_file' needs 'channels.email.username'")
        case (nil, nil): break
        }
        guard problems.isEmpty else { throw ChannelSetupError(problems: problems) }
        return EmailChannel(
            smtpURL: url, username: username, password: password, composer: composer,
            connections: settings.connections, timeout: settings.timeout)
    }

    private static func liveLetter(
        _ settings: Config.Channel, composer: Composer, environment: [String: String]
    ) throws(ChannelSetupError) -> LetterChannel {
        var problems: [String] = []
        let url = settings.settings["api_url"] ?? ""
        if !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            problems.append("'channels.letter.api_url' must be an http(s) URL such as \"https://api.lob.com\"")
        }
        var key: String?
        if let file = settings.settings["api_key_file"] {
            do { key = try SecretFile.read(file, key: "channels.letter.api_key_file", environment: environment) } catch { problems += error.problems }
        } else {
            problems.append("'channels.letter.api_key_file' is needed for live letters")
        }
        let from = settings.settings["from_address_id"] ?? ""
        if from.isEmpty { problems.append("'channels.letter.from_address_id' is needed for live letters (the sender's address id)") }
        let useType = settings.settings["use_type"]
        if let useType, !["marketing", "operational"].contains(useType) {
            problems.append("'channels.letter.use_type' must be \"marketing\" or \"operational\", not \"\(useType)\"")
        }
        guard problems.isEmpty, let key else { throw ChannelSetupError(problems: problems) }
        return LetterChannel(
            apiURL: url, apiKey: key, fromAddressID: from, useType: useType, composer: composer,
            connections: settings.connections, timeout: settings.timeout)
    }
}
