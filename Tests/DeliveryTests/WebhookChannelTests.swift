import CampaignConfig
import Delivery
import Foundation
import RuleLanguage
import Testing
import TestSupport

/// Webhooks and letters against a local HTTP/1.1 server that verifies signatures with the
/// `standardwebhooks` package.
@Suite("Webhooks and letters over HTTP")
struct WebhookChannelTests {
    static let oldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let newSecret = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNA=="

    private func channels(port: Int, secretFiles: String = #"["secrets/old.whsec"]"#, timeout: String = "10s") throws -> ChannelSet {
        let directory = try Fixtures.directory(Fixtures.templates)
        var endpoints: [String] = []
        for name in ["200", "201", "301", "410", "429", "500"] {
            endpoints.append(#""s\#(name)": {"url": "http://127.0.0.1:\#(port)/status/\#(name)", "secret_files": \#(secretFiles)}"#)
        }
        endpoints.append(#""hang": {"url": "http://127.0.0.1:\#(port)/hang", "secret_files": \#(secretFiles)}"#)
        endpoints.append(#""crm": {"url": "http://127.0.0.1:\#(port)/hooks/crm", "secret_files": \#(secretFiles)}"#)
        let config = try Fixtures.config(in: directory, channels: """
            {"webhook": {"mode": "live", "timeout": "\(timeout)", "connections": 4, "endpoints": {\(endpoints.joined(separator: ", "))}},
             "letter": {"mode": "live", "api_url": "http://127.0.0.1:\(port)", "api_key_file": "secrets/letters.key",
                        "from_address_id": "adr_123", "timeout": "5s"}}
            """)
        return try ChannelSet.make(config: config)
    }

    @Test("status matrix: 2xx delivered, 301 not followed, 410 disables, 429 with Retry-After and 500 retried, a hang times out")
    func statusMatrix() async throws {
        let server = try PythonServer("http_server.py", arguments: [Self.oldSecret])
        defer { server.stop() }
        let webhook = try channels(port: server.port, timeout: "1s").webhook
        func send(_ target: String) async -> DeliveryOutcome {
            await webhook.deliver(Fixtures.message("wh-\(target)-\(UUID().uuidString)", channel: .webhook, target: target))
        }
        #expect(await send("s200") == .delivered(receipt: "HTTP 200"))
        #expect(await send("s201") == .delivered(receipt: "HTTP 201"))
        guard case .permanent(let redirect, false) = await send("s301") else { Issue.record("301 is permanent"); return }
        #expect(redirect.contains("301") && redirect.contains("not followed"))
        guard case .retry(_, let notBefore) = await send("s429") else { Issue.record("429 is retried"); return }
        #expect(notBefore == 7)
        guard case .retry(let reason, nil) = await send("s500") else { Issue.record("500 is retried"); return }
        #expect(reason.contains("HTTP 500 from 127.0.0.1"))
        // The server answers "hang" after 5 s; the 1 s timeout must end the request first. libcurl's
        // own reason says so ("Operation timed out after … milliseconds"); no wall-clock bound here,
        // which a loaded machine could miss.
        guard case .retry(let timeout, nil) = await send("hang") else { Issue.record("a hang is retried"); return }
        #expect(timeout.contains("webhook \"hang\" POST to 127.0.0.1 failed") && timeout.contains("timed out"), "\(timeout)")
        guard case .permanent(let gone, false) = await send("s410") else { Issue.record("410 is permanent"); return }
        #expect(gone.contains("disabled until reload"))
        let requestsBefore = try server.records().count
        guard case .permanent = await send("s410") else { Issue.record("a disabled endpoint stays disabled"); return }
        #expect(try server.records().count == requestsBefore, "no request to a disabled endpoint")
        // A reload (a new channel set) enables it again.
        guard case .permanent(let again, false) = await (try channels(port: server.port).webhook.deliver(
            Fixtures.message("wh-again", channel: .webhook, target: "s410"))) else { Issue.record("410"); return }
        #expect(again.contains("answered 410"))
        #expect(try server.records().count == requestsBefore + 1)
        #expect(try server.records().allSatisfy { ($0["verified"] as? [String]) == [Self.oldSecret] })
    }

    @Test("every request verifies with standardwebhooks, during a secret rotation too; templated and default payloads")
    func signatures() async throws {
        let server = try PythonServer("http_server.py", arguments: [Self.oldSecret, Self.newSecret])
        defer { server.stop() }
        let before = try channels(port: server.port).webhook
        let during = try channels(port: server.port, secretFiles: #"["secrets/old.whsec", "secrets/new.whsec"]"#).webhook
        let after = try channels(port: server.port, secretFiles: #"["secrets/new.whsec"]"#).webhook
        var tricky = Fixtures.recipient()
        tricky.name = "Öhman \"the\" \\ boss\r\n"
        #expect(await before.deliver(Fixtures.message("wh-1", channel: .webhook, target: "crm", recipient: tricky)) == .delivered(receipt: "HTTP 200"))
        #expect(await during.deliver(Fixtures.message("wh-2", channel: .webhook, target: "crm")) == .delivered(receipt: "HTTP 200"))
        #expect(await after.deliver(Fixtures.message("wh-3", channel: .webhook, target: "s200")) == .delivered(receipt: "HTTP 200"))
        let records = try server.records()
        #expect(records.map { $0["verified"] as? [String] ?? [] } == [[Self.oldSecret], [Self.oldSecret, Self.newSecret], [Self.newSecret]])
        let headers = try #require(records[1]["headers"] as? [String: String])
        #expect(headers["webhook-id"] == "wh-2")
        #expect(headers["webhook-signature"]?.split(separator: " ").count == 2)
        let templated = try JSONSerialization.jsonObject(with: Data((records[0]["body"] as! String).utf8)) as? [String: Any]
        #expect(templated?["customer"] as? String == tricky.name)
        #expect(templated?["orders"] as? Int == 3)
        let payload = try JSONSerialization.jsonObject(with: Data((records[2]["body"] as! String).utf8)) as? [String: Any]
        #expect(payload?["type"] as? String == "campaignd.send")
        let data = payload?["data"] as? [String: Any]
        #expect(data?["send_id"] as? String == "wh-3")
        #expect((data?["customer"] as? [String: Any])?["name"] as? String == "Aino Äänekoski")
    }

    @Test("letters: a 500 after accepting is retried with the same Idempotency-Key; incomplete address skipped")
    func letters() async throws {
        let server = try PythonServer("http_server.py")
        defer { server.stop() }
        let letter = try channels(port: server.port).letter
        let message = Fixtures.message("letter-1", channel: .letter, target: "thanks")
        guard case .retry(let reason, _) = await letter.deliver(message) else { Issue.record("500 is retried"); return }
        #expect(reason.contains("HTTP 500"))
        #expect(await letter.deliver(message) == .delivered(receipt: "letter ltr_letter-1"))
        let records = try server.records()
        #expect(records.count == 2)
        #expect(records.map { ($0["headers"] as? [String: String])?["idempotency-key"] } == ["letter-1", "letter-1"])
        let headers = try #require(records[0]["headers"] as? [String: String])
        #expect(headers["authorization"] == "Basic " + Data("test_key_123:".utf8).base64EncodedString())
        #expect(records[0]["path"] as? String == "/v1/letters")
        let body = try #require(try JSONSerialization.jsonObject(with: Data((records[0]["body"] as! String).utf8)) as? [String: Any])
        #expect(body["from"] as? String == "adr_123")
        #expect(body["use_type"] as? String == "marketing")
        #expect((body["file"] as? String)?.contains("<p>Hyvä Aino Äänekoski</p>") == true)
        #expect((body["to"] as? [String: String])?["address_city"] == "Äänekoski")
        #expect((body["metadata"] as? [String: String]) == ["rule": "winback", "send_id": "letter-1"])
        let incomplete = Fixtures.message("letter-2", channel: .letter, target: "thanks", recipient: Fixtures.recipient(street: nil, postalCode: " "))
        #expect(await letter.deliver(incomplete) == .permanent(reason: "missing address: no street, postal_code", suppressAddress: false))
        #expect(try server.records().count == 2)
    }
}
