import Foundation
import RuleLanguage

/// Writes what a channel would send into a directory instead of sending it: `SENDID.eml` for
/// email, `SENDID.html` for letters, `SENDID.json` for webhooks. Each file is written to a
/// temporary name and renamed, so a reader never sees half a file. For demos and staging.
public struct SpoolChannel: DeliveryChannel {
    public let directory: String
    private let channel: Channel
    private let composer: Composer
    /// Webhook endpoint names that exist, so a spool run reports an unknown one as live would.
    private let webhookEndpoints: Set<String>

    init(directory: String, channel: Channel, composer: Composer, webhookEndpoints: Set<String>) {
        self.directory = directory
        self.channel = channel
        self.composer = composer
        self.webhookEndpoints = webhookEndpoints
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        let bytes: [UInt8]
        let suffix: String
        do {
            switch channel {
            case .email:
                bytes = try composer.email(message).bytes()
                suffix = "eml"
            case .letter:
                bytes = Array(try composer.letterHTML(message).utf8)
                suffix = "html"
            case .webhook:
                guard webhookEndpoints.contains(message.target) else {
                    return .permanent(reason: "no webhook endpoint named \"\(message.target)\" in the config", suppressAddress: false)
                }
                bytes = try composer.webhookBody(message)
                suffix = "json"
            }
        } catch {
            return error.outcome
        }
        let name = EmailMessage.token(for: message.sendID) + "." + suffix
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let final = directory + "/" + name
            let temporary = directory + "/." + name + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                return .retry(reason: "spool: cannot write \(temporary)", notBefore: nil)
            }
            if rename(temporary, final) != 0 {
                return .retry(reason: "spool: cannot rename \(temporary) to \(final): \(String(cString: strerror(errno)))", notBefore: nil)
            }
            return .delivered(receipt: "spooled \(final)")
        } catch {
            return .retry(reason: "spool: cannot create \(directory): \(error.localizedDescription)", notBefore: nil)
        }
    }
}
