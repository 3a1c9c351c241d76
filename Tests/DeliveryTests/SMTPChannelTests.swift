import CampaignConfig
import CurlClient
import Delivery
import Foundation
import RuleLanguage
import Testing
import TestSupport

/// The email channel against aiosmtpd on 127.0.0.1 (loopback: no STARTTLS needed).
@Suite("Email over SMTP (aiosmtpd)")
struct SMTPChannelTests {
    private func channel(port: Int, connections: Int = 2) throws -> any DeliveryChannel {
        let directory = try Fixtures.directory(Fixtures.templates)
        let config = try Fixtures.config(in: directory, channels: """
            {"email": {"mode": "live", "smtp_url": "smtp://127.0.0.1:\(port)", "from": "Kauppa Öhman <shop@example.com>",
              "unsubscribe_url": "https://shop.example/unsubscribe", "unsubscribe_secret_file": "secrets/unsubscribe",
              "connections": \(connections), "timeout": "10s"}}
            """)
        return try ChannelSet.make(config: config).email
    }

    @Test("messages parse strictly without defects; names round-trip; injection adds no header or recipient; connections are reused")
    func delivered() async throws {
        let server = try PythonServer("smtp_server.py")
        defer { server.stop() }
        let email = try channel(port: server.port)
        let names = ["Aino Äänekoski", "Öhman", "Zoë 😀 Ångström-Lindqvist with a rather long name that needs folding", "X\r\nBcc: evil@example.com", "Plain Name"]
        let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
            for index in 0..<20 {
                let name = names[index % names.count]
                let recipient = Fixtures.recipient(id: "C-\(index)", name: name, email: "user\(index)@example.com")
                let message = Fixtures.message("send-\(index)", target: index % 2 == 0 ? "welcome" : "plain", recipient: recipient)
                group.addTask { await email.deliver(message) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for outcome in outcomes {
            guard case .delivered(let receipt) = outcome else { Issue.record("\(outcome)"); continue }
            #expect(receipt?.hasPrefix("SMTP 250 <send-") == true)
        }
        let records = try server.records()
        #expect(records.count == 20)
        for record in records {
            #expect(record["error"] == nil, "\(record["error"] ?? "")")
            #expect((record["defects"] as? [String]) == [], "\(record["defects"] ?? "")")
            #expect((record["max_line"] as? Int ?? 999) <= 998)
            #expect(record["bare_lf"] as? Bool == false)
            let headers = (record["headers"] as? [[String]] ?? []).map { $0[0].lowercased() }
            #expect(!headers.contains("bcc") && !headers.contains("cc"))
            #expect(headers.contains("list-unsubscribe") && headers.contains("list-unsubscribe-post"))
            #expect((record["rcpt_tos"] as? [String])?.count == 1)
            #expect((record["to_addresses"] as? [String])?.count == 1)
            #expect(record["mail_from"] as? String == "shop@example.com")
        }
        let toNames = Set(records.flatMap { $0["to_names"] as? [String] ?? [] })
        #expect(toNames.isSuperset(of: ["Aino Äänekoski", "Öhman", "X Bcc: evil@example.com", "Plain Name"]))
        #expect(toNames.contains(names[2]))
        let subjects = Set(records.compactMap { $0["subject"] as? String })
        #expect(subjects.contains("Tervetuloa, Aino Äänekoski!"))
        #expect(subjects.contains("X Bcc: evil@example.com"))
        let welcome = try #require(records.first { ($0["subject"] as? String) == "Tervetuloa, Aino Äänekoski!" })
        #expect(welcome["content_type"] as? String == "multipart/alternative")
        #expect((welcome["text"] as? String)?.contains("Hei Aino,\r\n") == true)
        #expect((welcome["html"] as? String)?.contains("<p>Hei Aino Äänekoski, <a href=\"https://shop.example/unsubscribe/") == true)
        let sessions = Set(records.compactMap { $0["session"] as? Int })
        #expect(sessions.count <= 2, "20 messages over at most 2 connections, got \(sessions.count)")
    }

    @Test("450 is retried, 550 to RCPT is a hard bounce, 554 at end of data is permanent, a bad address never reaches SMTP")
    func failures() async throws {
        let server = try PythonServer("smtp_server.py")
        defer { server.stop() }
        let email = try channel(port: server.port, connections: 1)
        func send(_ address: String?) async -> DeliveryOutcome {
            await email.deliver(Fixtures.message("s-\(UUID().uuidString)", recipient: Fixtures.recipient(email: address)))
        }
        guard case .retry(let reason, _) = await send("tempfail@example.com") else { Issue.record("450 must retry"); return }
        #expect(reason.contains("450"))
        guard case .retry = await send("datatemp@example.com") else { Issue.record("451 must retry"); return }
        guard case .permanent(let rejected, true) = await send("reject@example.com") else { Issue.record("550 must suppress"); return }
        #expect(rejected.contains("550"))
        guard case .permanent(_, false) = await send("datareject@example.com") else { Issue.record("554 at data is permanent, no suppression"); return }
        #expect(await send("evil@example.com>\r\nRCPT TO:<other@example.com") == .permanent(reason: "missing address: not a valid email address", suppressAddress: false))
        #expect(await send(nil) == .permanent(reason: "missing address: no email address", suppressAddress: false))
        guard case .delivered = await send("ok@example.com") else { Issue.record("the connection still works"); return }
        #expect(try server.records().count == 1)
    }

    @Test("a server that is not there is a retry naming the host")
    func unreachable() async throws {
        let email = try channel(port: 1)
        guard case .retry(let reason, _) = await email.deliver(Fixtures.message("s1")) else { Issue.record("must retry"); return }
        #expect(reason.contains("SMTP send to 127.0.0.1 failed"))
    }

    @Test("with STARTTLS required, a server that does not offer it gets no message")
    func startTLSRequired() async throws {
        let server = try PythonServer("smtp_server.py")
        defer { server.stop() }
        let client = CurlClient(connections: 1, name: "test")
        let request = CurlRequest(
            url: "smtp://127.0.0.1:\(server.port)",
            payload: .mail(from: "shop@example.com", recipients: ["a@example.com"], message: Array("Subject: x\r\n\r\nx\r\n".utf8)),
            operation: "SMTP send", timeout: .seconds(5), requireSTARTTLS: true)
        let response = await client.perform(request)
        #expect(response.error?.isTLSFailure == true, "\(String(describing: response.error))")
        #expect(try server.records().isEmpty)
        // The email channel requires it for every server but this machine.
        #expect(CurlRequest.isLoopback(host: "127.0.0.1") && CurlRequest.isLoopback(host: "localhost") && CurlRequest.isLoopback(host: "::1"))
        #expect(!CurlRequest.isLoopback(host: "mail.example.com") && !CurlRequest.isLoopback(host: "10.0.0.1"))
        #expect(CurlRequest.host(of: "smtp://user@[::1]:25/x") == "::1")
    }
}
