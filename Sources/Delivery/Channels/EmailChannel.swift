import CurlClient
import Foundation

/// Email over SMTP or SMTPS. STARTTLS is required on `smtp://` unless the server is on this
/// machine; AUTH when a user name is configured. `connections` transfers run at once, each
/// connection reused for the next message.
///
/// Replies: 2xx delivered; 4xx retried; 5xx permanent, and a 5xx to RCPT TO (the recipient)
/// asks for the address to be suppressed as a hard bounce. A lost connection is retried with the
/// same Message-ID.
public final class EmailChannel: DeliveryChannel, Sendable {
    private let smtpURL: String
    private let username: String?
    private let password: String?
    private let requireSTARTTLS: Bool
    private let composer: Composer
    private let client: CurlClient
    private let timeout: Duration
    /// The server's host, for messages.
    private let host: String

    init(smtpURL: String, username: String?, password: String?, composer: Composer, connections: Int, timeout: Duration) {
        self.smtpURL = smtpURL
        self.username = username
        self.password = password
        let host = CurlRequest.host(of: smtpURL) ?? ""
        self.host = CurlRequest.host(of: smtpURL) ?? smtpURL
        requireSTARTTLS = smtpURL.lowercased().hasPrefix("smtp://") && !CurlRequest.isLoopback(host: host)
        self.composer = composer
        self.timeout = timeout
        client = CurlClient(connections: connections, name: "smtp")
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        let email: EmailMessage
        do { email = try composer.email(message) } catch { return error.outcome }
        let request = CurlRequest(
            url: smtpURL,
            payload: .mail(from: email.from.address, recipients: [email.to.address], message: email.bytes()),
            operation: "SMTP send", username: username, password: password, timeout: timeout,
            connectTimeout: min(timeout, .seconds(15)), requireSTARTTLS: requireSTARTTLS)
        return Self.classify(await client.perform(request), host: host, messageID: email.messageID)
    }

    static func classify(_ response: CurlResponse, host: String, messageID: String) -> DeliveryOutcome {
        let code = response.code
        let detail = response.error?.detail ?? ""
        switch code {
        case 200..<300 where response.error == nil:
            return .delivered(receipt: "SMTP \(code) \(messageID)")
        case 400..<500:
            return .retry(reason: "SMTP \(code) from \(host): \(detail)", notBefore: nil)
        case 500..<600:
            // libcurl says "RCPT failed: 550" when the recipient was refused.
            let recipientRefused = detail.contains("RCPT")
            return .permanent(reason: "SMTP \(code) from \(host): \(detail)", suppressAddress: recipientRefused)
        default:
            if let error = response.error {
                if error.code == 67 {  // CURLE_LOGIN_DENIED
                    return .retry(reason: "\(error) (check channels.email.username and password_file)", notBefore: nil)
                }
                if error.code == 64 {  // CURLE_USE_SSL_FAILED
                    return .retry(reason: "\(error): the server offers no STARTTLS, which is required for a non-local server", notBefore: nil)
                }
                return .retry(reason: error.description, notBefore: nil)
            }
            return .retry(reason: "SMTP send to \(host): unexpected reply \(code)", notBefore: nil)
        }
    }
}
