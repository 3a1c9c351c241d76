import CurlClient
import Foundation

/// Letters through a Lob-compatible print-and-mail API: `POST {base}/v1/letters` with basic auth
/// (the API key as user name), the recipient's address, the sender's address id, the rendered
/// HTML, `use_type`, metadata naming the rule and send, and `Idempotency-Key` = send id, so a
/// retry after a lost answer never prints a second letter.
public final class LetterChannel: DeliveryChannel, Sendable {
    private let apiURL: String
    private let apiKey: String
    private let fromAddressID: String
    private let useType: String?
    private let composer: Composer
    private let client: CurlClient
    private let timeout: Duration

    init(apiURL: String, apiKey: String, fromAddressID: String, useType: String?, composer: Composer, connections: Int, timeout: Duration) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.apiKey = apiKey
        self.fromAddressID = fromAddressID
        self.useType = useType
        self.composer = composer
        self.timeout = timeout
        client = CurlClient(connections: connections, name: "letter")
    }

    public func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        let html: String
        do { html = try composer.letterHTML(message) } catch { return error.outcome }
        let body = Self.requestBody(
            message, html: html, from: fromAddressID, useType: useType ?? (message.isMarketing ? "marketing" : "operational"))
        let request = CurlRequest(
            url: apiURL + "/v1/letters",
            payload: .httpPost(body: body, headers: [
                "Content-Type: application/json", "Accept: application/json", "User-Agent: campaignd",
                "Idempotency-Key: \(HeaderEncoding.sanitize(message.sendID))",
            ]),
            operation: "letters API POST", username: apiKey, password: "", timeout: timeout,
            connectTimeout: min(timeout, .seconds(10)))
        let response = await client.perform(request)
        return HTTPOutcome.classify(response, host: request.host) { response in
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            return (object?["id"] as? String).map { "letter \(HeaderEncoding.sanitize($0))" }
        }
    }

    /// The API request: Lob's letter fields, JSON.
    static func requestBody(_ message: OutboundMessage, html: String, from: String, useType: String) -> [UInt8] {
        let recipient = message.recipient
        let to: [String: String] = [
            "name": recipient.name ?? "", "address_line1": recipient.street ?? "",
            "address_zip": recipient.postalCode ?? "", "address_city": recipient.city ?? "",
            "address_country": recipient.country ?? "",
        ]
        let object: [String: Any] = [
            "description": "campaignd \(message.rule)",
            "to": to.mapValues(HeaderEncoding.sanitize),
            "from": from,
            "file": html,
            "color": false,
            "use_type": useType,
            "metadata": ["rule": String(message.rule.prefix(500)), "send_id": String(message.sendID.prefix(500))],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }
}
