import Foundation
import RuleLanguage

/// What templates see, documented in docs/templates.md:
///
/// - `customer`: `id` (the shop's id), `name`, `first_name`, `email`, `street`, `postal_code`,
///   `city`, `country`, `locale`, `time_zone`, and `attributes.NAME` for custom attributes;
/// - `facts`: `orders`, `spent`, `days_since_last_purchase`, … (see `factNames`);
/// - `rule`: `name`;
/// - `send`: `id`, `channel`, `coupon`, `unsubscribe_url`, `date` (the queueing day, YYYY-MM-DD),
///   `variant` (the A/B variant, only for a rule or step with variants).
///
/// A value that is absent or blank is not in the context at all: as a variable it is an error
/// (the send fails instead of showing a blank), in a section it is false, so optional values are
/// written `{{#customer.city}}…{{/customer.city}}`.
public struct TemplateContext {
    let root: TemplateNode
    let misses: TemplateMisses

    /// Top-level names.
    static let topLevelNames: Set<String> = ["customer", "facts", "rule", "send"]

    /// The facts a template may name under `facts.` (the dispatcher fills those the customer has).
    public static let factNames: [String] = [
        "orders", "spent", "days_since_last_purchase", "days_since_first_purchase", "first_purchase",
        "last_purchase", "nps", "csat", "ces", "joined", "days_since_joined",
    ]

    /// The context for one send.
    init(message: OutboundMessage, unsubscribeURL: String?) {
        let misses = TemplateMisses()
        let recipient = message.recipient
        let customer: [String: String?] = [
            "id": recipient.externalID, "name": recipient.name, "first_name": Self.firstName(recipient.name),
            "email": recipient.email, "street": recipient.street, "postal_code": recipient.postalCode,
            "city": recipient.city, "country": recipient.country, "locale": recipient.locale,
            "time_zone": recipient.timeZone,
        ]
        let send: [String: String?] = [
            "id": message.sendID, "channel": message.channel.rawValue, "coupon": message.coupon ?? Coupon.code(sendID: message.sendID),
            "unsubscribe_url": unsubscribeURL, "date": Self.day(message.queuedAt), "variant": message.variant,
        ]
        root = Self.root(
            customer: customer, attributes: recipient.attributes, attributesAcceptAnyName: false,
            facts: message.facts, rule: ["name": message.rule], send: send, misses: misses)
        self.misses = misses
    }

    /// A context with every documented value filled in, for `campaignd check`: any name a template
    /// uses that is not here is a misspelling. Custom attributes accept any name.
    public static func sample(channel: Channel, rule: String) -> TemplateContext {
        let misses = TemplateMisses()
        let customer: [String: String?] = [
            "id": "C-1001", "name": "Aino Äänekoski", "first_name": "Aino", "email": "aino@example.com",
            "street": "Kauppakatu 1 A 2", "postal_code": "40100", "city": "Jyväskylä", "country": "FI",
            "locale": "fi-FI", "time_zone": "Europe/Helsinki",
        ]
        var facts: [String: String] = [:]
        for (index, name) in factNames.enumerated() { facts[name] = "\(index + 1)" }
        let send: [String: String?] = [
            "id": "sample-send-1", "channel": channel.rawValue, "coupon": Coupon.code(sendID: "sample-send-1"),
            "unsubscribe_url": "https://shop.example/unsubscribe/sample", "date": "2026-01-31",
            "variant": "sample-variant",
        ]
        return TemplateContext(
            root: Self.root(
                customer: customer, attributes: [:], attributesAcceptAnyName: true, facts: facts,
                rule: ["name": rule], send: send, misses: misses),
            misses: misses)
    }

    private init(root: TemplateNode, misses: TemplateMisses) {
        self.root = root
        self.misses = misses
    }

    private static func root(
        customer: [String: String?], attributes: [String: String], attributesAcceptAnyName: Bool,
        facts: [String: String], rule: [String: String], send: [String: String?], misses: TemplateMisses
    ) -> TemplateNode {
        func node(_ path: String, _ values: [String: String?]) -> TemplateNode {
            var present: [String: TemplateValue] = [:]
            for (key, value) in values {
                if let value, !isBlank(value) { present[key] = .text(value) }
            }
            return TemplateNode(path: path, values: present, misses: misses)
        }
        var customerNode = node("customer", customer)
        var attributesNode = node("customer.attributes", attributes)
        attributesNode.acceptsAnyName = attributesAcceptAnyName
        customerNode.values["attributes"] = .object(attributesNode)
        return TemplateNode(
            path: "",
            values: [
                "customer": .object(customerNode), "facts": .object(node("facts", facts)),
                "rule": .object(node("rule", rule)), "send": .object(node("send", send)),
            ],
            misses: misses)
    }

    /// Empty or only whitespace and newlines. A value starting with printable ASCII (nearly all)
    /// is answered without Foundation's trimming, which cost a tenth of composing an email.
    static func isBlank(_ value: String) -> Bool {
        for byte in value.utf8 {
            if byte > 0x20 && byte < 0x7F { return false }
            if byte >= 0x80 { break }
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    static func firstName(_ name: String?) -> String? {
        name?.split(whereSeparator: { $0.isWhitespace }).first.map(String.init)
    }

    /// `YYYY-MM-DD` of `date` in UTC (by `gmtime_r`: a `Calendar` per send cost more than the
    /// template's rendering).
    static func day(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2)
    }

    /// The known name closest to `path`, if it is close enough to be a likely misspelling.
    static func suggestion(for path: String, among known: [String]) -> String? {
        EditDistance.suggestion(for: path, among: known)
    }
}
