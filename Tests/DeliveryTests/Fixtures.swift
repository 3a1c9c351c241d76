import CampaignConfig
import Delivery
import Foundation
import RuleLanguage

/// Builders for test messages, configs and template directories.
enum Fixtures {
    static func recipient(
        id: String = "C-1", name: String? = "Aino Äänekoski", email: String? = "aino@example.com",
        street: String? = "Kauppakatu 1", postalCode: String? = "40100", city: String? = "Äänekoski", country: String? = "FI"
    ) -> Recipient {
        Recipient(
            customerID: 1, externalID: id, name: name, email: email, street: street, postalCode: postalCode,
            city: city, country: country, attributes: ["tier": "gold"])
    }

    static func message(
        _ sendID: String, channel: Channel = .email, target: String = "welcome", recipient: Recipient = recipient(),
        isMarketing: Bool = true, facts: [String: String] = ["orders": "3"]
    ) -> OutboundMessage {
        OutboundMessage(
            sendID: sendID, rule: "winback", ruleHash: "abc123", channel: channel, target: target,
            isMarketing: isMarketing, queuedAt: Date(timeIntervalSince1970: 1_790_000_000), recipient: recipient,
            facts: facts)
    }

    /// A new directory holding the given files (relative paths).
    static func directory(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-delivery-\(UUID().uuidString)")
        for (path, content) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    static let templates: [String: String] = [
        "templates/email/welcome.subject.mustache": "Tervetuloa, {{customer.name}}!\n",
        "templates/email/welcome.text.mustache": """
            Hei {{customer.first_name}},

            tilauksia: {{facts.orders}}. Koodisi: {{send.coupon}}
            {{#customer.city}}Kaupunki: {{customer.city}}{{/customer.city}}
            Peru tilaus: {{send.unsubscribe_url}}

            """,
        "templates/email/welcome.html.mustache": "<p>Hei {{customer.name}}, <a href=\"{{send.unsubscribe_url}}\">peru</a></p>\n",
        "templates/email/plain.subject.mustache": "{{customer.name}}\n",
        "templates/email/plain.text.mustache": "Hello {{customer.name}}\n",
        "templates/letter/thanks.html.mustache": "<html><body><p>Hyvä {{customer.name}}</p></body></html>\n",
        "templates/webhook/crm.json.mustache": "{\"customer\": \"{{customer.name}}\", \"orders\": {{facts.orders}}}\n",
        "secrets/unsubscribe": "0123456789abcdef0123456789abcdef\n",
        "secrets/old.whsec": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
        "secrets/new.whsec": "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNA==\n",
        "secrets/letters.key": "test_key_123\n",
    ]

    /// A config in `directory` (templates and secrets from `templates` above) with extra JSON for `channels`.
    static func config(in directory: String, channels: String) throws -> Config {
        let json = #"{"templates": "templates", "channels": \#(channels)}"#
        return try Config.parse(json: Data(json.utf8), path: "\(directory)/config.json", baseDirectory: directory)
    }
}
