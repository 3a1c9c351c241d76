import Foundation
import Testing
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Two `campaignd run` daemons on one PostgreSQL store (issue 18): the demo's store copied with
/// `store copy`, the benchmark's twenty rules, a tick every 2 s and each daemon spooling into
/// its own directory, so a message sent by both would show up twice.
@Suite("several daemons on one PostgreSQL store", .serialized)
struct DaemonsOnPostgresTests {
    /// The daemon's config: `base` with its own spool, a 2-second tick, a 6-second lease and a
    /// listener on a free port.
    static func config(_ demo: String, store: String, rules: String, name: String, in directory: URL) throws -> String {
        let path = try PlanOnPostgresTests.config(demo, store: store, rules: rules, spool: "spool-\(name)", in: directory, named: "\(name).json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        object["tick"] = "2s"
        object["http"] = ["listen": "127.0.0.1:0"]
        var dispatch = object["dispatch"] as? [String: Any] ?? [:]
        dispatch["lease"] = "6s"
        object["dispatch"] = dispatch
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The spooled messages' file names (the send ids) of one daemon, per channel.
    static func spooled(_ directory: URL, _ name: String) -> Set<String> {
        var names = Set<String>()
        for channel in ["email", "letter", "webhook"] {
            let folder = directory.appendingPathComponent("spool-\(name)/\(channel)").path
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !file.hasPrefix(".") {
                names.insert("\(channel)/\(file)")
            }
        }
        return names
    }

    /// The single number `sql` selects.
    static func number(_ server: PostgresServer, _ sql: String, _ database: String) throws -> Int {
        Int(try server.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try condition()
    }

    @Test("one daemon ticks each instant, every due send goes out once, each daemon answers /healthz, /metrics and unsubscribes, status lists both")
    func twoDaemons() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let url = server.url(database: database)
        let (directory, demo) = try await CommandLineTests.demoWorkspace()
        Bounded.expectClean(
            try await Bounded.run(["--config", demo, "store", "copy", "--to", url], in: directory, timeout: 300), status: 0, stderrContains: nil)
        let rules = try RunOnPostgresTests.typicalRules(in: directory)
        let configs = try ["a", "b"].map { try Self.config(demo, store: url, rules: rules.path, name: $0, in: directory) }

        let daemons = try ["a", "b"].enumerated().map {
            try DaemonTests.Daemon(config: configs[$0.offset], directory: directory, notifySocket: "", log: "daemon-\($0.element).log")
        }
        defer { for daemon in daemons where daemon.process.isRunning { daemon.process.terminate() } }
        var bases: [String] = []
        for daemon in daemons {
            var port: String?
            _ = try await Self.eventually(60) {
                if let range = daemon.log.range(of: #"http\.address=127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                    port = String(daemon.log[range].split(separator: ":").last!)
                }
                return port != nil
            }
            bases.append("http://127.0.0.1:\(try #require(port, "\(daemon.log)"))")
        }

        // Every send due now goes out (quiet hours may hold some emails until later).
        let outstanding = """
            SELECT count(*) FROM send WHERE status = 'in_flight' OR (status = 'queued' AND due_at <= extract(epoch FROM now()))
            """
        let drained = try await Self.eventually(120) {
            try Self.number(server, outstanding, database) == 0
                && Self.number(server, "SELECT count(*) FROM send WHERE status = 'sent'", database) > 0
        }
        #expect(drained, "\(daemons[0].log)\n\(daemons[1].log)")
        // Both daemons tick every 2 s: at some instant one finds the other's tick under way.
        let shared = try await Self.eventually(60) {
            daemons.contains { $0.log.contains("another daemon is ticking this store; not ticked here") }
        }
        #expect(shared, "\(daemons[0].log)\n\(daemons[1].log)")

        // No message went out twice: each send id was spooled by one daemon, and every sent row was spooled.
        let a = Self.spooled(directory, "a"), b = Self.spooled(directory, "b")
        #expect(a.intersection(b).isEmpty, "spooled by both: \(a.intersection(b).sorted().prefix(5))")
        let sent = try Self.number(server, "SELECT count(*) FROM send WHERE status = 'sent'", database)
        #expect(a.count + b.count == sent, "a \(a.count), b \(b.count), sent rows \(sent)")
        let lines = try server.psql("SELECT rule, customer_id, window_key, count(*) FROM send GROUP BY 1, 2, 3 HAVING count(*) > 1", database: database)
        #expect(lines.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "decided twice: \(lines)")

        // Each daemon answers for itself; an unsubscribe through either writes to the shared store.
        for base in bases {
            let (health, response) = try await URLSession.shared.data(from: URL(string: "\(base)/healthz")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: health, as: UTF8.self))")
            let (metrics, _) = try await URLSession.shared.data(from: URL(string: "\(base)/metrics")!)
            #expect(String(decoding: metrics, as: UTF8.self).contains("campaignd_ticks_total"))
        }
        let email = try #require((a.union(b)).sorted().first { $0.hasPrefix("email/") }, "no email spooled")
        let folder = a.contains(email) ? "spool-a" : "spool-b"
        let message = try String(contentsOf: directory.appendingPathComponent("\(folder)/\(email)"), encoding: .utf8)
        let header = try #require(message.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") })
        let token = String(header.dropLast().split(separator: "/").last!)
        let withdrawn = "SELECT count(*) FROM consent WHERE status = 'withdrawn' AND source = 'one-click'"
        #expect(try Self.number(server, withdrawn, database) == 0)
        var request = URLRequest(url: URL(string: "\(bases[1])/unsubscribe/\(token)")!)
        request.httpMethod = "POST"
        request.httpBody = Data("List-Unsubscribe=One-Click".utf8)
        let (_, unsubscribed) = try await URLSession.shared.data(for: request)
        #expect((unsubscribed as? HTTPURLResponse)?.statusCode == 200)
        #expect(try Self.number(server, withdrawn, database) == 1)

        // `status` lists both daemons running, with their listeners; after SIGTERM, stopped.
        let demoStatus = try PlanOnPostgresTests.config(demo, store: url, rules: rules.path, in: directory, named: "status.json")
        // A daemon's first heartbeat may precede its listener's bind; the next names the port.
        let addresses = bases.map { "http \($0.dropFirst("http://".count))" }
        var running = try await Bounded.run(["--config", demoStatus, "status"], in: directory, timeout: 120)
        let deadline = Date().addingTimeInterval(30)
        while !addresses.allSatisfy(running.stdout.contains) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            running = try await Bounded.run(["--config", demoStatus, "status"], in: directory, timeout: 120)
        }
        Bounded.expectClean(running, status: 0, stderrContains: nil)
        #expect(running.stdout.contains("daemons    2 running"), "\(running.stdout)")
        for address in addresses {
            #expect(running.stdout.contains(address), "\(running.stdout)")
        }
        for daemon in daemons { daemon.signal(SIGTERM) }
        for daemon in daemons { #expect(await daemon.exitStatus(within: 30) == 0, "\(daemon.log)") }
        let stopped = try await Bounded.run(["--config", demoStatus, "status"], in: directory, timeout: 120)
        #expect(stopped.stdout.contains("daemons    0 running, 2 more heard of today"), "\(stopped.stdout)")
        #expect(stopped.stdout.components(separatedBy: "stopped").count == 3, "\(stopped.stdout)")
    }
}
