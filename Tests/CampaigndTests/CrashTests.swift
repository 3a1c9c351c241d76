import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// kill -9 during dispatch, five times, then let it finish: every send delivered, duplicates only
/// for rows in flight at a kill (at most the concurrency per kill), the store intact — on both
/// stores (on PostgreSQL the restarted daemon resends a killed one's rows once their lease ends).
@Suite("crash safety", .serialized)
struct CrashTests {
    static let customers = 10_000
    static let concurrency = 8

    @Test("10,000 webhooks through five kill -9 restarts: all delivered, duplicates bounded, store intact", arguments: StoreKind.allCases)
    func killNineDuringDispatch(on kind: StoreKind) async throws {
        let (directory, config) = try CampaigndProcess.workspace()
        let store = try CampaigndProcess.store(kind)
        func values(_ sql: String) throws -> [String] { try CampaigndProcess.values(sql, config: config, in: directory) }
        func number(_ sql: String) throws -> Int { try #require(Int(try values(sql).first ?? ""), "\(sql)") }
        let secretFile = CampaigndProcess.repository.appendingPathComponent("examples/demo/secrets/crm-escalation.whsec").path
        let secret = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try HTTPSink(secret: secret)
        defer { server.stop() }

        var customers = "id,email\n", consents = "customer,channel,status,at\n"
        for index in 1...Self.customers {
            customers += "K\(index),k\(index)@example.fi\n"
            consents += "K\(index),webhook,granted,2020-01-01\n"
        }
        try customers.write(to: directory.appendingPathComponent("customers.csv"), atomically: true, encoding: .utf8)
        try consents.write(to: directory.appendingPathComponent("consents.csv"), atomically: true, encoding: .utf8)
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try #"rule "crash" { when consent webhook  send webhook "sink"  limit once }"#.write(
            to: rules.appendingPathComponent("crash.rules"), atomically: true, encoding: .utf8)
        // A short lease (PostgreSQL's; SQLite recovers a killed daemon's rows when it starts), so
        // the restarted daemon takes a killed one's rows over within seconds.
        try """
            {"store": "\(store)", "rules": "rules", "templates": "templates", "tick": "3600s",
             "dispatch": {"concurrency": \(Self.concurrency), "rate_per_second": {"webhook": 2000}, "lease": "3s"},
             "channels": {"webhook": {"mode": "live", "timeout": "5s",
               "endpoints": {"sink": {"url": "http://127.0.0.1:\(server.port)/hooks/sink", "secret_files": ["\(secretFile)"]}}}}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        for kind in ["customers", "consents"] {
            let result = try await CampaigndProcess.run(["--config", config, "import", kind, directory.appendingPathComponent("\(kind).csv").path])
            #expect(result.status == 0, "\(result.stderr)")
        }

        var delivered = 0
        var kills = 0
        for _ in 0..<5 {
            let daemon = try DaemonTests.Daemon(config: config, directory: directory, notifySocket: "")
            // Wait until this run delivers something, then kill it at a random moment.
            let deadline = Date().addingTimeInterval(60)
            while try server.count() <= delivered && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...600)))
            daemon.signal(SIGKILL)
            _ = await daemon.exitStatus(within: 10)
            kills += 1
            delivered = try server.count()
        }
        #expect(delivered < Self.customers, "the kills should come before the end (delivered \(delivered))")

        let daemon = try DaemonTests.Daemon(config: config, directory: directory, notifySocket: "")
        let deadline = Date().addingTimeInterval(180)
        var open = -1
        while Date() < deadline {
            open = try number("SELECT count(*) FROM send WHERE status IN ('queued', 'in_flight')")
            let total = try number("SELECT count(*) FROM send")
            if open == 0 && total == Self.customers { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 30) == 0, "\(daemon.log)")
        #expect(open == 0)

        let sent = Set(try values("SELECT send_id FROM send WHERE status = 'sent'"))
        #expect(sent.count == Self.customers)
        let ids = try server.webhookIDs()
        var perID: [String: Int] = [:]
        for id in ids { perID[id, default: 0] += 1 }
        #expect(Set(perID.keys) == sent, "every send delivered, and nothing else")
        let duplicates = ids.count - perID.count
        #expect(duplicates <= kills * Self.concurrency, "\(duplicates) duplicate deliveries after \(kills) kills")
        #expect(try server.allVerified())
        if kind == .sqlite {
            #expect(try values("PRAGMA integrity_check") == ["ok"])
        }
        print("crash test (\(kind)): \(kills) kills, \(ids.count) deliveries of \(perID.count) sends, \(duplicates) duplicates")
    }
}

/// The webhook test server (`http_server.py`), recording every request.
final class HTTPSink {
    private let server: PythonServer
    var port: Int { server.port }

    init(secret: String) throws {
        server = try PythonServer("http_server.py", arguments: [secret])
    }

    func stop() { server.stop() }

    func count() throws -> Int { try server.records().count }

    func webhookIDs() throws -> [String] {
        try server.records().map { ($0["headers"] as! [String: String])["webhook-id"] ?? "" }
    }

    func allVerified() throws -> Bool {
        try server.records().allSatisfy { !($0["verified"] as! [String]).isEmpty }
    }
}
