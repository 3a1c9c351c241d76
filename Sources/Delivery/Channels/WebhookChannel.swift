import CurlClient
import Foundation

/// Webhooks: a JSON POST to a named endpoint, signed per Standard Webhooks (`webhook-id` is the
/// send id, so a receiver can drop duplicates).
///
/// An endpoint that answers 410 Gone is disabled for the life of this channel (until the daemon
/// reloads its config); later sends to it fail permanently without a request.
public final class WebhookChannel: DeliveryChannel, @unchecked Sendable {
    /// A receiver: its URL and its signer.
    struct Endpoint: Sendable {
        var url: String
        var signer: StandardWebhookSigner
        /// The URL's host, for messages: worked out once, not per send.
        let host: String

        init(url: String, signer: StandardWebhookSigner) {
            self.url = url
            self.signer = signer
            host = CurlRequest.host(of: url) ?? url
        }
    }

    private let endpoints: [String: Endpoint]
    private let composer: Composer
    private let client: CurlClient
    private let timeout: Duration
    private let lock = NSLock()
    private var disabled: [String: String] = [:]

    init(endpoints: [String: Endpoint], composer: Composer, connections: Int, timeout: Duration) {
        self.endpoints = endpoints
        self.composer = composer
        self.timeout = timeout
        client = CurlClient(connections: connections, name: "webhook")
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        guard let endpoint = endpoints[message.target] else {
            return .permanent(reason: "no webhook endpoint named \"\(message.target)\" in the config", suppressAddress: false)
        }
        if let reason = lock.withLock({ disabled[message.target] }) {
            return .permanent(reason: reason, suppressAddress: false)
        }
        let body: [UInt8]
        do { body = try composer.webhookBody(message) } catch { return error.outcome }
        let timestamp = Int(composer.now().timeIntervalSince1970)
        let id = HeaderEncoding.sanitize(message.sendID)
        let headers = [
            "Content-Type: application/json",
            "User-Agent: campaignd",
            "webhook-id: \(id)",
            "webhook-timestamp: \(timestamp)",
            "webhook-signature: \(endpoint.signer.signature(id: id, timestamp: timestamp, body: body))",
        ]
        let request = CurlRequest(
            url: endpoint.url, payload: .httpPost(body: body, headers: headers),
            operation: "webhook \"\(message.target)\" POST", timeout: timeout, connectTimeout: min(timeout, .seconds(10)))
        let response = await client.perform(request)
        if response.error == nil && response.code == 410 {
            let reason = "webhook endpoint \"\(message.target)\" is disabled until reload: \(endpoint.host) answered 410 Gone"
            lock.withLock { disabled[message.target] = reason }
            return .permanent(reason: reason, suppressAddress: false)
        }
        return HTTPOutcome.classify(response, host: endpoint.host, receipt: { "HTTP \($0.code)" })
    }

    /// Whether the endpoint was disabled by a 410.
    public func isDisabled(endpoint name: String) -> Bool { lock.withLock { disabled[name] != nil } }
}
