@testable import Delivery
import Foundation
import RuleLanguage
import Testing

/// The per-send fast paths (docs/performance.md, "Dispatch") give exactly what the plain
/// implementations they replaced gave; those are kept here as the reference.
@Suite("Dispatch fast paths match their reference")
struct FastPathTests {
    /// Text that exercises every escape and the non-ASCII paths.
    static let awkward = [
        "", " ", "plain", "Aino Äänekoski", "  two  spaces ", "tab\there", "line\nbreak\r\nend", "quote \" and \\ slash /",
        "\u{0}\u{1}\u{1F}\u{7F}\u{85}\u{A0}", "sep\u{2028}ara\u{2029}tors", "🦉 Pöllö – €", "\u{2003}em space\u{3000}", "x\u{E2}y",
        "trailing ", " leading", "C-1001", "\u{200B}",
    ]

    @Test("the webhook's default payload is byte for byte the joined-string version")
    func defaultPayload() throws {
        for text in Self.awkward {
            let recipient = Recipient(
                customerID: 7, externalID: "C-\(text)", name: text, email: text.isEmpty ? nil : "a@b.example", street: text,
                postalCode: nil, city: "Jyväskylä", country: "FI", locale: "fi-FI", timeZone: text,
                attributes: ["tier": text, "b": "2", "a_b": "x", "A": text, "ä": "1"])
            let message = OutboundMessage(
                sendID: "s-\(text)", rule: "r\(text)", ruleHash: "h", channel: .webhook, target: "crm", isMarketing: false,
                queuedAt: Date(timeIntervalSince1970: 1_790_000_000), recipient: recipient,
                facts: ["orders": "3", "spent": text, "days_since_last_purchase": "12"])
            let now = Date(timeIntervalSince1970: 1_790_000_123.7)
            let bytes = Composer.defaultPayload(message, now: now)
            #expect(bytes == Self.referencePayload(message, now: now), "for \(text.debugDescription)")
            #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
        }
    }

    @Test("header sanitising, blank values, the queueing day and base64url match the Foundation versions")
    func textHelpers() {
        for text in Self.awkward + ["a b c", "a  b", "ab ", "Kaipaamme sinua, Aino – 10 % alennus"] {
            #expect(HeaderEncoding.sanitize(text) == Self.referenceSanitize(text), "for \(text.debugDescription)")
            #expect(TemplateContext.isBlank(text) == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "for \(text.debugDescription)")
        }
        for seconds in [0.0, -1, -86_400.5, 951_782_400, 1_790_000_000.9, 4_102_444_800, 253_402_300_799] {
            let date = Date(timeIntervalSince1970: seconds)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            #expect(TemplateContext.day(date) == String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!), "for \(seconds)")
        }
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
            let reference = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(UnsubscribeToken.base64URL(bytes) == reference, "for \(length) bytes")
        }
    }

    /// The payload as it was written before: joined strings, pairs sorted per object.
    static func referencePayload(_ message: OutboundMessage, now: Date) -> [UInt8] {
        let recipient = message.recipient
        func object(_ pairs: [(String, String?)]) -> String {
            "{" + pairs.filter { $0.1 != nil }.sorted { $0.0 < $1.0 }.map { JSONString.quoted($0.0) + ":" + $0.1! }.joined(separator: ",") + "}"
        }
        func strings(_ dictionary: [String: String]) -> String { object(dictionary.map { ($0.key, JSONString.quoted($0.value)) }) }
        let quoted: (String?) -> String? = { $0.map(JSONString.quoted) }
        func iso8601(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        }
        let customer = object([
            ("id", quoted(recipient.externalID)), ("name", quoted(recipient.name)), ("email", quoted(recipient.email)),
            ("street", quoted(recipient.street)), ("postal_code", quoted(recipient.postalCode)), ("city", quoted(recipient.city)),
            ("country", quoted(recipient.country)), ("locale", quoted(recipient.locale)), ("time_zone", quoted(recipient.timeZone)),
            ("attributes", strings(recipient.attributes)),
        ])
        let data = object([
            ("send_id", quoted(message.sendID)), ("rule", quoted(message.rule)), ("rule_hash", quoted(message.ruleHash)),
            ("endpoint", quoted(message.target)), ("queued_at", quoted(iso8601(message.queuedAt))),
            ("customer", customer), ("facts", strings(message.facts)),
        ])
        return Array(object([("type", quoted("campaignd.send")), ("timestamp", quoted(iso8601(now))), ("data", data)]).utf8)
    }

    /// `HeaderEncoding.sanitize` as it was: every scalar through its Unicode properties.
    static func referenceSanitize(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in value.unicodeScalars {
            let isSpace = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                || scalar == "\u{2029}" || scalar.properties.isWhitespace
            if isSpace {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(scalar)
                lastWasSpace = false
            }
        }
        if out.last == " " { out.removeLast() }
        return String(out)
    }
}
