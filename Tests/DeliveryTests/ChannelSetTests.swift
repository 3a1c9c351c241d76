import CampaignConfig
import Delivery
import Foundation
import RuleLanguage
import Testing

@Suite("Channel set from the config, and the spool")
struct ChannelSetTests {
    @Test("spool mode writes .eml, .html and .json named by send id, atomically")
    func spool() async throws {
        let directory = try Fixtures.directory(Fixtures.templates)
        let config = try Fixtures.config(in: directory, channels: """
            {"email": {"from": "shop@example.com", "unsubscribe_url": "https://shop.example/u", "unsubscribe_secret_file": "secrets/unsubscribe"},
             "webhook": {"endpoints": {"crm": {"url": "https://crm.example/hook", "secret_files": []}}}}
            """)
        let set = try ChannelSet.make(config: config)
        #expect(await set.email.deliver(Fixtures.message("e-1")) == .delivered(receipt: "spooled \(directory)/var/spool/email/e-1.eml"))
        #expect(await set.letter.deliver(Fixtures.message("l-1", channel: .letter, target: "thanks")) == .delivered(receipt: "spooled \(directory)/var/spool/letter/l-1.html"))
        #expect(await set.channel(for: .webhook).deliver(Fixtures.message("w-1", channel: .webhook, target: "crm")) == .delivered(receipt: "spooled \(directory)/var/spool/webhook/w-1.json"))
        let eml = try String(contentsOfFile: "\(directory)/var/spool/email/e-1.eml", encoding: .utf8)
        #expect(eml.contains("Message-ID: <e-1.campaignd@example.com>"))
        #expect(eml.contains("List-Unsubscribe: <https://shop.example/u/ZW1haWw6"))
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/var/spool/email")
        #expect(files == ["e-1.eml"], "no temporary file is left")
        guard case .permanent(let reason, false) = await set.webhook.deliver(Fixtures.message("w-2", channel: .webhook, target: "nope")) else {
            Issue.record("unknown endpoint"); return
        }
        #expect(reason.contains("no webhook endpoint named \"nope\""))
        guard case .permanent(let missing, false) = await set.email.deliver(Fixtures.message("e-2", target: "nope")) else {
            Issue.record("missing template"); return
        }
        #expect(missing.contains("templates/email/nope.subject.mustache"))
    }

    @Test("a service email has no List-Unsubscribe; a pool's code replaces the derived coupon")
    func serviceEmailAndPoolCoupon() async throws {
        let directory = try Fixtures.directory(Fixtures.templates)
        let config = try Fixtures.config(in: directory, channels: """
            {"email": {"from": "shop@example.com", "unsubscribe_url": "https://shop.example/u", "unsubscribe_secret_file": "secrets/unsubscribe"}}
            """)
        let set = try ChannelSet.make(config: config)
        var service = Fixtures.message("s-1", isMarketing: false)
        service.coupon = "WINBACK10-0042"
        #expect(await set.email.deliver(service) == .delivered(receipt: "spooled \(directory)/var/spool/email/s-1.eml"))
        #expect(await set.email.deliver(Fixtures.message("m-1")) == .delivered(receipt: "spooled \(directory)/var/spool/email/m-1.eml"))
        let serviceMail = try String(contentsOfFile: "\(directory)/var/spool/email/s-1.eml", encoding: .utf8)
        let marketingMail = try String(contentsOfFile: "\(directory)/var/spool/email/m-1.eml", encoding: .utf8)
        #expect(!serviceMail.contains("List-Unsubscribe") && marketingMail.contains("List-Unsubscribe: <"))
        #expect(serviceMail.contains("Koodisi: WINBACK10-0042"))
        #expect(!marketingMail.contains("WINBACK10-0042") && marketingMail.contains("Koodisi: "))
    }

    @Test("live settings: every problem named with its key and file; secrets from $CREDENTIALS_DIRECTORY")
    func problems() throws {
        let directory = try Fixtures.directory(Fixtures.templates)
        let config = try Fixtures.config(in: directory, channels: """
            {"email": {"mode": "live", "smtp_url": "http://x", "from": "not an address", "username": "u", "password_file": "secrets/missing",
                       "unsubscribe_url": "https://shop.example/u", "unsubscribe_secret_file": "credential:unsub"},
             "letter": {"mode": "live", "api_url": "https://api.example", "use_type": "spam"},
             "webhook": {"mode": "live", "endpoints": {"crm": {"url": "https://crm.example/hook", "secret_files": ["secrets/letters.key"]},
                                                       "erp": {"url": "https://erp.example/hook"}}}}
            """)
        let error = #expect(throws: ChannelSetupError.self) { try ChannelSet.make(config: config, environment: [:]) }
        #expect(error?.problems == [
            "'channels.email.from' is not an address like \"Shop <shop@example.com>\": \"not an address\"",
            "'channels.email.unsubscribe_secret_file' names credential:unsub, but $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=)",
            "'channels.webhook.endpoints.crm.secret_files': a secret is not a Standard Webhooks secret (\"whsec_\" followed by base64)",
            "'channels.webhook.endpoints.erp.secret_files' needs at least one whsec_ secret file for a live webhook",
            "'channels.email.smtp_url' must be an smtp:// or smtps:// URL such as \"smtp://mail.example.com:587\"",
            "'channels.email.password_file': no such file \(directory)/secrets/missing",
            "'channels.letter.api_key_file' is needed for live letters",
            "'channels.letter.from_address_id' is needed for live letters (the sender's address id)",
            "'channels.letter.use_type' must be \"marketing\" or \"operational\", not \"spam\"",
        ])
        #expect(error?.description.contains("0123456789abcdef") == false, "no secret in messages")

        let good = try Fixtures.config(in: directory, channels: """
            {"email": {"mode": "live", "smtp_url": "smtps://mail.example.com", "from": "shop@example.com",
                       "unsubscribe_url": "https://shop.example/u", "unsubscribe_secret_file": "credential:unsubscribe"}}
            """)
        _ = try ChannelSet.make(config: good, environment: ["CREDENTIALS_DIRECTORY": directory + "/secrets"])
        #expect(throws: ChannelSetupError.self) {
            try ChannelSet.make(config: good, environment: ["CREDENTIALS_DIRECTORY": directory])
        }
    }

    /// Regression (reliability scenario 8): a NUL or 10 MB in `from` passed `check`.
    @Test("'from' must be one line of at most 998 characters without control characters")
    func fromIsOneShortLine() throws {
        let directory = try Fixtures.directory(Fixtures.templates)
        for from in ["Shop\\u0000 <shop@example.com>", String(repeating: "S", count: 1_000) + " <shop@example.com>"] {
            let config = try Fixtures.config(in: directory, channels: #"{"email": {"from": "\#(from)"}}"#)
            let error = #expect(throws: ChannelSetupError.self) { try ChannelSet.make(config: config) }
            #expect(error?.problems == ["'channels.email.from' must be one line of at most 998 characters, without control characters"])
        }
    }
}
