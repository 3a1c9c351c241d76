@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import Testing
import TestSupport
import Unsubscribe

@Suite("one-click unsubscribe over real HTTP on loopback")
struct UnsubscribeTests {
    @Test("POST with a genuine token withdraws consent: the next tick sends C1 no email, webhooks unchanged")
    func withdraws() async throws {
        let fx = try ListenerFixture()
        let client = HTTPTestClient()
        try await fx.withListener { base in
            let link = fx.token.url(base: "\(base)/unsubscribe", externalID: "C1", channel: .email)
            let reply = await client.post(link)
            #expect(reply.status == 200)
            #expect(reply.body.contains("You will not receive email from us any more."))
            #expect(reply.headers["cache-control"] == "no-store" && reply.headers["referrer-policy"] == "no-referrer")
            // A second click (or the mail client's retry) answers the same and writes nothing more.
            let again = await client.post(link)
            #expect(again.status == 200 && again.body == reply.body)
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 1)
        #expect(try fx.count("""
            SELECT count(*) FROM consent cs JOIN customer c ON c.id = cs.customer_id
            WHERE c.external_id = 'C1' AND cs.channel = 'email' AND cs.status = 'withdrawn' AND cs.source = 'one-click'
            """) == 1)
        try await fx.tickNext()
        _ = try await fx.engine.dispatchDue()
        #expect(fx.email.recipients.sorted() == ["C2", "C3"])
        #expect(fx.webhook.recipients.sorted() == ["C1", "C2", "C3"])
    }

    @Test("a send queued before the click is dropped at dispatch")
    func queuedSendDropped() async throws {
        let fx = try ListenerFixture()
        try await fx.tickNext()
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued' AND channel = 'email'") == 3)
        try await fx.withListener { base in
            let reply = await HTTPTestClient().post(fx.token.url(base: "\(base)/unsubscribe/", externalID: "C2", channel: .email))
            #expect(reply.status == 200)
        }
        let summary = try await fx.engine.dispatchDue()
        #expect(summary.skipped == 1)
        #expect(fx.email.recipients.sorted() == ["C1", "C3"])
        #expect(try fx.count("""
            SELECT count(*) FROM send s JOIN customer c ON c.id = s.customer_id
            WHERE c.external_id = 'C2' AND s.channel = 'email' AND s.status = 'skipped'
            """) == 1)
    }

    @Test("tampered, foreign-secret and malformed tokens: 404, nothing written")
    func rejectsForgeries() async throws {
        let fx = try ListenerFixture()
        let client = HTTPTestClient()
        let foreign = try UnsubscribeToken(secret: Array("some-other-shop-secret-0123456789".utf8))
        let genuine = fx.token.sign(externalID: "C1", channel: .email)
        let signature = String(genuine.split(separator: ".")[1])
        func payload(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        let lastChanged: String = String(genuine.dropLast()) + (genuine.hasSuffix("A") ? "B" : "A")
        var tampered: [String] = []
        tampered.append(payload("email:C2") + "." + signature)  // another customer
        tampered.append(payload("webhook:C1") + "." + signature)  // another channel
        tampered.append(lastChanged)  // one character changed
        tampered.append(foreign.sign(externalID: "C1", channel: .email))
        tampered += ["", "x", "a.b.c", String(repeating: "A", count: 4000), "%00%0d%0a"]
        try await fx.withListener { base in
            for token in tampered {
                let reply = await client.post("\(base)/unsubscribe/\(token)")
                #expect((400..<500).contains(reply.status), "token \(token.prefix(40)) answered \(reply.status)")
                #expect(!reply.body.contains("any more"))
                if !token.isEmpty && token.count < 100 {
                    let page = try await client.get("\(base)/unsubscribe/\(token)")
                    #expect(page.status == 404 && !page.body.contains("<form"))
                }
            }
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
        #expect(try fx.count("SELECT count(*) FROM consent") == 6)
    }

    @Test("GET shows a page whose button posts List-Unsubscribe=One-Click, and changes nothing")
    func confirmationPage() async throws {
        let fx = try ListenerFixture()
        try await fx.withListener { base in
            let page = try await HTTPTestClient().get(fx.token.url(base: "\(base)/unsubscribe", externalID: "C1", channel: .email))
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.body.contains(#"<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">"#))
            #expect(!page.body.contains("http://") && !page.body.contains("https://") && !page.body.contains("<script"))
            #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
    }

    @Test("a genuine token for a customer no longer in the store answers like success and writes nothing")
    func erasedCustomer() async throws {
        let fx = try ListenerFixture()
        try await fx.withListener { base in
            let reply = await HTTPTestClient().post(fx.token.url(base: "\(base)/unsubscribe", externalID: "GONE-7", channel: .letter))
            #expect(reply.status == 200 && reply.body.contains("You will not receive letters from us any more."))
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
    }

    @Test("without an unsubscribe secret, /unsubscribe answers 404")
    func notConfigured() async throws {
        let fx = try ListenerFixture()
        try await fx.withListener(unsubscribe: false) { base in
            let reply = await HTTPTestClient().post(fx.token.url(base: "\(base)/unsubscribe", externalID: "C1", channel: .email))
            #expect(reply.status == 404)
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
    }

    @Test("the unsubscriber waits for a writer holding the store, then withdraws")
    func waitsForWriter() async throws {
        let fx = try ListenerFixture()
        let started = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? fx.store.database.write { db in
                started.signal()
                Thread.sleep(forTimeInterval: 0.5)
                try db.execute(sql: "UPDATE customer SET name = name")
            }
        }
        writer.start()
        started.wait()
        let result = try await fx.unsubscriber.unsubscribe(fx.token.sign(externalID: "C3", channel: .webhook), source: "cli")
        #expect(result == .withdrawn(.webhook))
        #expect(try await fx.unsubscriber.unsubscribe(fx.token.sign(externalID: "C3", channel: .webhook), source: "cli") == .alreadyWithdrawn(.webhook))
    }
}
