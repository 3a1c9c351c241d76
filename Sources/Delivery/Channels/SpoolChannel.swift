import Foundation
import RuleLanguage

/// Writes what a channel would send into a directory instead of sending it: `SENDID.eml` for
/// email, `SENDID.html` for letters, `SENDID.json` for webhooks. Each file is written to a
/// temporary name, its data synced and then renamed, so a reader never sees half a file; the
/// directory is synced before the send counts as delivered, once for all the files renamed
/// meanwhile (`DirectorySync`), so a power loss cannot lose a file the send log calls spooled.
/// For demos and staging.
public struct SpoolChannel: DeliveryChannel {
    public let directory: String
    private let channel: Channel
    private let composer: Composer
    /// Webhook endpoint names that exist, so a spool run reports an unknown one as live would.
    private let webhookEndpoints: Set<String>
    private let directorySync: DirectorySync

    init(directory: String, channel: Channel, composer: Composer, webhookEndpoints: Set<String>) {
        self.directory = directory
        directorySync = DirectorySync(path: directory)
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
            if let problem = Self.writeSynced(bytes, to: temporary) {
                return .retry(reason: "spool: cannot write \(temporary): \(problem)", notBefore: nil)
            }
            if rename(temporary, final) != 0 {
                return .retry(reason: "spool: cannot rename \(temporary) to \(final): \(String(cString: strerror(errno)))", notBefore: nil)
            }
            let synced = await directorySync.sync()
            if synced != 0 {
                return .retry(reason: "spool: cannot sync \(directory): \(String(cString: strerror(synced)))", notBefore: nil)
            }
            return .delivered(receipt: "spooled \(final)")
        } catch {
            return .retry(reason: "spool: cannot create \(directory): \(error.localizedDescription)", notBefore: nil)
        }
    }

    /// Writes `bytes` to a new file at `path` and syncs its data; nil, or why not.
    private static func writeSynced(_ bytes: [UInt8], to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += count
        }
        return fsync(descriptor) == 0 ? nil : String(cString: strerror(errno))
    }
}
