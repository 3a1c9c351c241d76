import CampaignConfig
import Foundation
import Testing
import TestSupport

@Suite("slow and oversized clients (slowloris)")
struct SlowClientTests {
    static let partialHead = "GET / HTTP/1.1\r\nHost: x\r\n"

    /// `count` connections that each sent a request head without its final blank line.
    static func halfOpen(_ count: Int, port: Int) throws -> [RawConnection] {
        try (0..<count).map { _ in
            let connection = try RawConnection(port: port)
            connection.send(partialHead)
            return connection
        }
    }

    /// The port of a listener's base URL.
    static func port(_ base: String) throws -> Int {
        try #require(URL(string: base)?.port)
    }

    @Test("200 half-open connections held: /healthz and a genuine one-click unsubscribe still answer while they are open")
    func halfOpenConnectionsDoNotStarve() async throws {
        let fx = try ListenerFixture()
        let client = HTTPTestClient()
        var listen = Config.HTTPListen.default
        // Long enough that none of the 200 is closed while the real requests are made: an answer
        // that waited for them to go would take at least this long. Alone the test takes 1 s; in
        // a whole `swift test` on a loaded 2-core machine opening the 200 and answering took over
        // 60 s once (a CI-like clean-clone run), closing the first ones by their timeout. The idle
        // timeout (30 s without a byte) would close them too: once all 200 were closed by it.
        listen.requestTimeout = .seconds(300)
        try await fx.withListener(listen: listen, idleTimeout: .seconds(300)) { base in
            let port = try Self.port(base)
            let held = try Self.halfOpen(200, port: port)
            let started = ContinuousClock.now
            let health = try await client.get("\(base)/healthz")
            let unsubscribe = await client.post(fx.token.url(base: "\(base)/unsubscribe", externalID: "C2", channel: .email))
            let elapsed = ContinuousClock.now - started
            #expect(health.status == 200 && unsubscribe.status == 200)
            #expect(elapsed < listen.requestTimeout, "answered after \(elapsed)")
            // All 200 were still held while those were answered.
            #expect(held.filter { $0.isClosed() }.isEmpty)
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 1)
    }

    @Test("half-open, trickling and slow-body connections are closed after the request timeout, not before")
    func slowRequestsClosedAfterTimeout() async throws {
        let fx = try ListenerFixture()
        var listen = Config.HTTPListen.default
        listen.requestTimeout = .seconds(1)
        try await fx.withListener(listen: listen) { base in
            let port = try Self.port(base)
            var slow = try Self.halfOpen(50, port: port)
            // Nothing at all after connecting.
            let silent = try RawConnection(port: port)
            // A head one byte at a time, a body that never completes.
            let trickle = try RawConnection(port: port)
            let slowBody = try RawConnection(port: port)
            slowBody.send("POST /unsubscribe/x HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n\r\nList-")
            slow += [silent, trickle, slowBody]
            // A client that is not slow: a complete request on a kept-alive connection.
            let prompt = try RawConnection(port: port)
            prompt.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")

            // The trickler sends 20 bytes a second: Hummingbird's idle timeout alone never fires for it.
            let header = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8)
            var sent = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while slow.contains(where: { !$0.isClosed() }), ContinuousClock.now < deadline {
                if sent < header.count, !trickle.isClosed() {
                    trickle.send([header[sent]])
                    sent += 1
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let open = slow.filter { !$0.isClosed() }.count
            #expect(open == 0, "\(open) of \(slow.count) slow connections still open after 60 s")
            for connection in slow {
                let lifetime = try #require(connection.closedAt) - connection.openedAt
                #expect(lifetime >= listen.requestTimeout, "closed after \(lifetime)")
                #expect(connection.received.isEmpty, "answered: \(connection.text.prefix(40))")
            }
            // The prompt client got its answer (on a busy machine it may come after the slow
            // connections were closed), and its connection was not closed for being slow.
            #expect(try await prompt.waitForText(prefix: "HTTP/1.1 200", limit: .seconds(60)), "no answer: \(prompt.text.prefix(40))")
            #expect(!prompt.isClosed())
            prompt.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await RawConnection.waitUntilClosed([prompt], limit: .seconds(30)) == 0)
            #expect(prompt.text.components(separatedBy: "HTTP/1.1 200").count == 3)

            let metrics = try await HTTPTestClient().get("\(base)/metrics").body
            #expect(metrics.contains(#"campaignd_http_connections_closed_total{reason="request_timeout"}"#))
        }
    }

    @Test("http.max_connections is the cap: with every slot held, a new client is answered once the request timeout frees one")
    func connectionCap() async throws {
        let fx = try ListenerFixture()
        var listen = Config.HTTPListen.default
        listen.maxConnections = 10
        listen.requestTimeout = .seconds(2)
        try await fx.withListener(listen: listen) { base in
            let port = try Self.port(base)
            // Twice the cap, so that the few the server may accept past it in one burst do not
            // leave a slot free.
            let held = try Self.halfOpen(20, port: port)
            let client = try RawConnection(port: port)
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await RawConnection.waitUntilClosed([client], limit: .seconds(60)) == 0)
            #expect(client.text.hasPrefix("HTTP/1.1 200"))
            // No slot was free before the first held connection's request timeout.
            let waited = try #require(client.closedAt) - held[0].openedAt
            #expect(waited >= listen.requestTimeout, "answered after \(waited)")
        }
    }

    @Test("an oversized head answers 400; an oversized body closes the connection unread; a 2 KiB body answers 413")
    func oversizedRequests() async throws {
        let fx = try ListenerFixture()
        try await fx.withListener { base in
            let port = try Self.port(base)
            let head = try RawConnection(port: port)
            head.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
            let declared = try RawConnection(port: port)
            declared.send("POST /unsubscribe/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nList-Unsubscribe=One-Click")
            let chunked = try RawConnection(port: port)
            chunked.send("POST /unsubscribe/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<20 { chunked.send("400\r\n\(String(repeating: "b", count: 1024))\r\n") }
            #expect(try await RawConnection.waitUntilClosed([head, declared, chunked], limit: .seconds(30)) == 0)
            #expect(head.text.hasPrefix("HTTP/1.1 400"))
            #expect(declared.received.isEmpty)
            // The route stops reading at 1 KiB and answers 413; the rest is not read either.
            #expect(chunked.received.isEmpty || chunked.text.hasPrefix("HTTP/1.1 413"), "\(chunked.text.prefix(40))")

            let reply = await HTTPTestClient().post(
                fx.token.url(base: "\(base)/unsubscribe", externalID: "C1", channel: .email), body: String(repeating: "c", count: 2048))
            #expect(reply.status == 413)
        }
        #expect(try fx.count("SELECT count(*) FROM consent WHERE status = 'withdrawn'") == 0)
    }

    @Test("http.max_connections and http.request_timeout: defaults, values, and bad values reported")
    func config() throws {
        func parse(_ json: String) throws -> Config {
            try Config.parse(json: Data(json.utf8), path: "test.json", baseDirectory: "/")
        }
        let defaults = try #require(try parse(#"{"http": {}}"#).http)
        #expect(defaults.maxConnections == 2048 && defaults.requestTimeout == .seconds(10))
        let set = try #require(try parse(#"{"http": {"max_connections": 300, "request_timeout": "5s"}}"#).http)
        #expect(set.maxConnections == 300 && set.requestTimeout == .seconds(5))
        #expect(try parse(#"{"http": {"listen": "off", "max_connections": 300}}"#).http == nil)
        let error = try #require(throws: ConfigError.self) {
            try parse(#"{"http": {"max_connections": 0, "request_timeout": "soon"}}"#)
        }
        #expect(error.problems.contains { $0.contains("'http.max_connections' must be a whole number from 1 to 65536") })
        #expect(error.problems.contains { $0.contains("'http.request_timeout' must be a positive duration") })
    }
}
