@testable import Delivery
import Foundation
import RuleLanguage
import Testing

@Suite("Templates")
struct TemplateTests {
    private func set(_ templates: [String: String]) -> TemplateSet { TemplateSet(templates: templates) }

    @Test("HTML templates escape values; text templates do not; JSON templates escape for JSON strings")
    func escaping() throws {
        let templates = set([
            "letter/a.html": "<p>{{customer.name}}</p>", "email/a.text": "{{customer.name}}",
            "webhook/a.json": "{\"n\": \"{{customer.name}}\"}",
        ])
        var recipient = Fixtures.recipient()
        recipient.name = "Öhman & <Sons> \"Oy\"\nrivi"
        let message = Fixtures.message("s1", recipient: recipient)
        let html = try templates.render("letter/a.html", context: TemplateContext(message: message, unsubscribeURL: nil))
        #expect(html == "<p>Öhman &amp; &lt;Sons&gt; &quot;Oy&quot;\nrivi</p>")
        let text = try templates.render("email/a.text", context: TemplateContext(message: message, unsubscribeURL: nil))
        #expect(text == "Öhman & <Sons> \"Oy\"\nrivi")
        let json = try templates.render("webhook/a.json", context: TemplateContext(message: message, unsubscribeURL: nil))
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(object?["n"] == recipient.name)
    }

    @Test("a variable without a value fails the render with file and line; in a section it is false")
    func strict() throws {
        let templates = set(["email/a.text": "Hei\n{{#customer.city}}in {{customer.city}}{{/customer.city}}\n{{customer.street}}!"])
        var recipient = Fixtures.recipient()
        recipient.street = "  "
        recipient.city = nil
        let error = #expect(throws: TemplateProblem.self) {
            try templates.render("email/a.text", context: TemplateContext(message: Fixtures.message("s1", recipient: recipient), unsubscribeURL: nil))
        }
        #expect(error?.description == "templates/email/a.text.mustache:3: {{customer.street}} has no value for this send")
        recipient.street = "Kauppakatu 1"
        let text = try templates.render("email/a.text", context: TemplateContext(message: Fixtures.message("s1", recipient: recipient), unsubscribeURL: nil))
        #expect(text == "Hei\n\nKauppakatu 1!")
    }

    @Test("check: unknown variables with line and suggestion, parse errors with line and column, invalid JSON")
    func check() {
        let templates = set([
            "email/a.subject": "Hi {{customer.name}}",
            "email/a.text": "Hei\n\n{{customer.nmae}} {{facts.orderz}} {{customer.attributes.anything}}\n{{send.coupon}} {{rule.name}}",
            "letter/b.html": "<p>\n{{#customer.city}}x{{/customer.cty}}</p>",
            "webhook/c.json": "{\"a\": {{customer.name}}}",
        ])
        #expect(templates.check(channel: .email, name: "a", rule: "r").map(\.description) == [
            "templates/email/a.text.mustache:3: unknown variable 'customer.nmae' (did you mean 'customer.name'?)",
            "templates/email/a.text.mustache:3: unknown variable 'facts.orderz' (did you mean 'facts.orders'?)",
        ])
        let letter = templates.check(channel: .letter, name: "b", rule: "r")
        #expect(letter.count == 1 && letter[0].line == 2 && letter[0].message.contains("closed with another name"))
        #expect(templates.check(channel: .webhook, name: "c", rule: "r").map(\.message) == ["does not render valid JSON"])
        #expect(templates.check(channel: .webhook, name: "none", rule: "r").isEmpty, "the webhook template is optional")
    }

    @Test("coupon codes are stable per send id and differ between sends")
    func coupon() {
        #expect(Coupon.code(sendID: "s1") == Coupon.code(sendID: "s1"))
        #expect(Coupon.code(sendID: "s1") != Coupon.code(sendID: "s2"))
        #expect(Coupon.code(sendID: "s1").count == 11)
    }
}

@Suite("Unsubscribe tokens")
struct UnsubscribeTokenTests {
    @Test("a token verifies to its customer and channel; a changed one does not")
    func roundTrip() throws {
        let signer = try UnsubscribeToken(secret: Array("0123456789abcdef0123456789abcdef".utf8))
        let token = signer.sign(externalID: "C-1/ä", channel: .email)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        let verified = signer.verify(token)
        #expect(verified?.externalID == "C-1/ä" && verified?.channel == .email)
        let other = try UnsubscribeToken(secret: Array("another secret of enough length".utf8))
        #expect(other.verify(token) == nil)
        let forged = UnsubscribeToken.base64URL(Array("email:C-2".utf8)) + "." + token.split(separator: ".")[1]
        #expect(signer.verify(forged) == nil)
        #expect(signer.verify("") == nil && signer.verify("a.b.c") == nil)
        // The last character of 43 base64 characters carries 4 bits and 2 spare ones: changing only
        // the spare bits decodes to the same bytes, and must still be rejected.
        let last = token.last!, alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        let spare = String(token.dropLast()) + String(alphabet[index ^ 1])
        #expect(Data(base64Encoded: spare.split(separator: ".")[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=") != nil)
        #expect(signer.verify(spare) == nil)
        #expect(signer.url(base: "https://x.example/u", externalID: "C-1", channel: .email) == "https://x.example/u/" + signer.sign(externalID: "C-1", channel: .email))
        #expect(signer.url(base: "https://x.example/u/", externalID: "C-1", channel: .email).hasPrefix("https://x.example/u/ZW1haWw6Qy0x."))
        #expect(throws: UnsubscribeTokenError.self) { try UnsubscribeToken(secret: [1, 2, 3]) }
    }

    /// Regression (reliability scenario 8): invalid UTF-8 was repaired silently, a two-line subject
    /// passed `check`, and 10 MB of nested sections kept the parser busy for over a minute.
    @Test("check rejects invalid UTF-8, a subject on two lines, deep nesting and oversized files")
    func hostileTemplates() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-templates-\(UUID().uuidString)")
        let email = directory.appendingPathComponent("email")
        try FileManager.default.createDirectory(at: email, withIntermediateDirectories: true)
        let files: [String: [UInt8]] = [
            "utf8.subject": Array("Hei\n".utf8), "utf8.text": Array("Hei \u{FF}".utf8.dropLast(2)) + [0xFF, 0xFE],
            "crlf.subject": Array("Hei\r\nBcc: x@example.com\n".utf8), "crlf.text": Array("Hei".utf8),
            "deep.subject": Array("Hei\n".utf8), "deep.text": Array(String(repeating: "{{#customer}}", count: 33).utf8),
            "big.subject": Array("Hei\n".utf8), "big.text": Array(repeating: UInt8(ascii: "x"), count: TemplateSet.maximumBytes + 1),
            "fine.subject": Array("Hei {{customer.name}}\r\n".utf8), "fine.text": Array(String(repeating: "{{#customer}}", count: 32).utf8)
                + Array(String(repeating: "{{/customer}}", count: 32).utf8),
        ]
        for (name, bytes) in files {
            FileManager.default.createFile(atPath: email.appendingPathComponent("\(name).mustache").path, contents: Data(bytes))
        }
        let templates = TemplateSet(directory: directory.path)
        func messages(_ name: String) -> [String] {
            templates.check(channel: .email, name: name, rule: "r").map(\.message)
        }
        #expect(messages("utf8") == ["not valid UTF-8"])
        #expect(messages("crlf") == ["a subject template must be one line"])
        #expect(messages("deep") == ["sections nested more than 32 deep"])
        #expect(messages("big") == ["larger than 1024 KB"])
        #expect(messages("fine") == [])
    }
}
