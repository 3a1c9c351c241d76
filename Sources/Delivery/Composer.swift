import Foundation
import RuleLanguage

/// Renders what a channel sends for a message: the email, the letter's HTML, the webhook's JSON.
/// Spool and live channels share it, so the spool shows exactly what would be sent.
struct Composer: Sendable {
    let templates: TemplateSet
    /// The sender of email.
    let from: EmailAddress
    /// Signs one-click unsubscribe links, with the listener's base URL.
    let unsubscribe: (token: UnsubscribeToken, baseURL: String)?
    let now: @Sendable () -> Date

    /// Why a message cannot be composed; never worth a retry.
    struct Failure: Error {
        var reason: String
        var outcome: DeliveryOutcome { .permanent(reason: reason, suppressAddress: false) }
    }

    /// The dispatcher's link if it gave one, else one signed here.
    func unsubscribeURL(for message: OutboundMessage) -> String? {
        if let url = message.unsubscribeURL { return url }
        guard let unsubscribe else { return nil }
        return unsubscribe.token.url(base: unsubscribe.baseURL, externalID: message.recipient.externalID, channel: message.channel)
    }

    func email(_ message: OutboundMessage) throws(Failure) -> EmailMessage {
        guard let address = message.recipient.email, !address.isEmpty else {
            throw Failure(reason: "missing address: no email address")
        }
        guard let to = EmailAddress(address: address, displayName: message.recipient.name) else {
            throw Failure(reason: "missing address: not a valid email address")
        }
        let unsubscribeURL = unsubscribeURL(for: message)
        if message.isMarketing && unsubscribeURL == nil {
            throw Failure(reason: "marketing mail needs an unsubscribe link: set channels.email.unsubscribe_url and unsubscribe_secret_file")
        }
        let context = TemplateContext(message: message, unsubscribeURL: unsubscribeURL)
        let base = "email/\(message.target)"
        let subject = try render("\(base).subject", context)
        let text = try render("\(base).text", context)
        let html = templates.has("\(base).html") ? try render("\(base).html", context) : nil
        return EmailMessage(
            from: from, to: to, subject: subject, text: text, html: html, sendID: message.sendID, date: now(),
            unsubscribeURL: message.isMarketing ? unsubscribeURL : nil)
    }

    func letterHTML(_ message: OutboundMessage) throws(Failure) -> String {
        let missing = message.recipient.missingPostalFields
        if !missing.isEmpty {
            throw Failure(reason: "missing address: no \(missing.joined(separator: ", "))")
        }
        let context = TemplateContext(message: message, unsubscribeURL: unsubscribeURL(for: message))
        return try render("letter/\(message.target).html", context)
    }

    /// The webhook template's output (checked to be JSON), or the default payload.
    func webhookBody(_ message: OutboundMessage) throws(Failure) -> [UInt8] {
        let key = "webhook/\(message.target).json"
        if templates.has(key) {
            let context = TemplateContext(message: message, unsubscribeURL: unsubscribeURL(for: message))
            let body = Array(try render(key, context).utf8)
            guard (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil else {
                throw Failure(reason: "template \(templates.directory)/\(key).mustache does not render valid JSON")
            }
            return body
        }
        return Self.defaultPayload(message, now: now())
    }

    /// `{"type": "campaignd.send", "timestamp": …, "data": {send, rule, customer, facts}}`, the
    /// Standard Webhooks payload shape, keys sorted (the fixed keys are written in sorted order;
    /// attributes and facts are sorted per send). Written by hand into bytes: JSONSerialization,
    /// ISO8601DateFormatter and joined strings cost more than the whole HTTP request
    /// (docs/performance.md).
    static func defaultPayload(_ message: OutboundMessage, now: Date) -> [UInt8] {
        let recipient = message.recipient
        var json = JSONWriter()
        json.beginObject()
        json.key("data")
        json.beginObject()
        json.key("customer")
        json.beginObject()
        json.key("attributes")
        json.stringObject(recipient.attributes)
        json.member("city", recipient.city)
        json.member("country", recipient.country)
        json.member("email", recipient.email)
        json.member("id", recipient.externalID)
        json.member("locale", recipient.locale)
        json.member("name", recipient.name)
        json.member("postal_code", recipient.postalCode)
        json.member("street", recipient.street)
        json.member("time_zone", recipient.timeZone)
        json.endObject()
        json.member("endpoint", message.target)
        json.key("facts")
        json.stringObject(message.facts)
        json.member("queued_at", Self.iso8601(message.queuedAt))
        json.member("rule", message.rule)
        json.member("rule_hash", message.ruleHash)
        json.member("send_id", message.sendID)
        json.endObject()
        json.member("timestamp", Self.iso8601(now))
        json.member("type", "campaignd.send")
        json.endObject()
        return json.bytes
    }

    /// `2026-11-25T12:00:00Z` (UTC, whole seconds).
    private static func iso8601(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    private func render(_ key: String, _ context: TemplateContext) throws(Failure) -> String {
        do {
            return try templates.render(key, context: context)
        } catch {
            throw Failure(reason: "template \(error)")
        }
    }
}

extension Recipient {
    /// The parts of a postal address a letter needs that this customer lacks (`name`, `street`,
    /// `postal_code`, `city`, `country`); empty when the address is complete. The evaluator can
    /// use the same test to skip customers early.
    public var missingPostalFields: [String] {
        let fields: [(String, String?)] = [
            ("name", name), ("street", street), ("postal_code", postalCode), ("city", city), ("country", country),
        ]
        return fields.filter { ($0.1?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "").isEmpty }.map(\.0)
    }
}
