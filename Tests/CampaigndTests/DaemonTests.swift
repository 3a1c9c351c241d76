import Foundation
import Testing
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon as systemd runs it: a child process with `$NOTIFY_SOCKET` pointing at a socket the
/// test reads, signals for reload and stop, and its log on stderr; on either store.
@Suite("campaignd run (the daemon)", .serialized)
struct DaemonTests {
    final class Daemon {
        let process = Process()
        let logPath: String

        init(config: String, directory: URL, notifySocket: String, log: String = "daemon.log") throws {
            logPath = directory.appendingPathComponent(log).path
            FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = CampaigndProcess.executable
            process.arguments = ["--config", config, "run"]
            process.currentDirectoryURL = directory
            var environment = ProcessInfo.processInfo.environment
            if !notifySocket.isEmpty {
                environment["NOTIFY_SOCKET"] = notifySocket
                environment["WATCHDOG_USEC"] = "400000"
            }
            process.environment = environment
            process.standardError = FileHandle(forWritingAtPath: logPath)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// Waits for the exit and returns the status (or nil after `seconds`).
        func exitStatus(within seconds: Double) async -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning {
                process.terminate()
                return nil
            }
            return process.terminationStatus
        }
    }

    /// The demo workspace on `kind` with its own copy of the rules, so the test can edit them.
    func workspace(on kind: StoreKind) async throws -> (directory: URL, config: String, rules: URL) {
        let (directory, config) = try await CommandLineTests.demoWorkspace(on: kind)
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.copyItem(
            at: CampaigndProcess.repository.appendingPathComponent("rules"), to: rules)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "\"rules\": \"\(CampaigndProcess.repository.path)/rules\"", with: "\"rules\": \"rules\"")
        text = text.replacingOccurrences(of: "\"currency\": \"EUR\",", with: "\"currency\": \"EUR\", \"tick\": \"2s\",")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, config, rules)
    }

    @Test("READY after the store opens; sends; SIGHUP reloads all or nothing; watchdog pings; SIGTERM stops cleanly", arguments: StoreKind.allCases)
    func lifecycle(on kind: StoreKind) async throws {
        let (directory, config, rules) = try await workspace(on: kind)
        let listener = try DatagramListener()
        let daemon = try Daemon(config: config, directory: directory, notifySocket: listener.address)
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        let startup = try await listener.arrival(of: "READY=1")
        #expect(startup.last?.contains("READY=1") == true, "\(startup)")
        // The store was migrated by the import: nothing to wait for.
        #expect(!startup.contains { $0.contains("EXTEND_TIMEOUT_USEC") }, "\(startup)")
        _ = try await listener.arrival(of: "WATCHDOG=1", seconds: 5)

        // The first tick queues and the dispatcher spools the demo's winback emails.
        let spool = directory.appendingPathComponent("spool/email")
        let deadline = Date().addingTimeInterval(30)
        while ((try? FileManager.default.contentsOfDirectory(atPath: spool.path))?.count ?? 0) == 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let spooled = try FileManager.default.contentsOfDirectory(atPath: spool.path)
        #expect(!spooled.isEmpty, "\(daemon.log)")

        // A broken rule file: RELOADING=1, READY=1, the error with file:line:column, old rules keep running.
        let broken = rules.appendingPathComponent("broken.rules")
        try "rule \"oops\" {\n  when ordrs >= 2\n  send email \"winback-coupon\"\n}\n".write(to: broken, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let failed = try await listener.arrival(of: "READY=1")
        #expect(failed.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }, "\(failed)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.log.contains("rules/broken.rules:2:8: error: unknown fact 'ordrs'"), "\(daemon.log)")
        #expect(daemon.log.contains("reload failed; the previous configuration keeps running"))
        #expect(daemon.process.isRunning)

        // Fixed: the next SIGHUP picks up the new rules (the starting set's 7 and "oops").
        try "rule \"oops\" {\n  when orders >= 2000\n  send email \"winback-coupon\"\n  limit once\n}\n".write(
            to: broken, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        _ = try await listener.arrival(of: "READY=1")
        // The log line is written before READY=1; give the file a moment on a busy machine.
        let reloadDeadline = Date().addingTimeInterval(10)
        while !daemon.log.contains("rules.count=8 [Engine] reloaded") && Date() < reloadDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(daemon.log.contains("rules.count=8 [Engine] reloaded"), "\(daemon.log)")

        daemon.signal(SIGTERM)
        _ = try await listener.arrival(of: "STOPPING=1", seconds: 10)
        #expect(await daemon.exitStatus(within: 20) == 0, "\(daemon.log)")
        #expect(daemon.log.contains("stopped"))
    }

    @Test("a store that must migrate first: EXTEND_TIMEOUT_USEC with the reason before READY=1, so systemd's start timeout waits")
    func migratingStart() async throws {
        let (directory, config, _) = try await workspace(on: .sqlite)
        // A store that does not exist yet: the daemon creates it, running every migration.
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let store = directory.appendingPathComponent("new/campaignd.sqlite").path
        let rewritten = text.replacingOccurrences(of: #""store": "[^"]*""#, with: "\"store\": \"\(store)\"", options: .regularExpression)
        #expect(rewritten != text)
        try rewritten.write(toFile: config, atomically: true, encoding: .utf8)
        let listener = try DatagramListener()
        let daemon = try Daemon(config: config, directory: directory, notifySocket: listener.address)
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        let startup = try await listener.arrival(of: "READY=1")
        let extensions = startup.prefix { !$0.contains("READY=1") }.filter { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }
        #expect(extensions.first == "EXTEND_TIMEOUT_USEC=30000000\nSTATUS=migrating the store: 21 migrations", "\(startup)")
        #expect(FileManager.default.fileExists(atPath: store))
        daemon.signal(SIGTERM)
        // No extension once the migrations have ended.
        let running = try await listener.arrival(of: "STOPPING=1", seconds: 10)
        #expect(!running.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }, "\(running)")
        #expect(await daemon.exitStatus(within: 20) == 0, "\(daemon.log)")
    }

    /// A daemon on the demo workspace with `http.listen` on port 0, once its first tick has
    /// spooled the demo's emails: the listener's base URL and a genuine unsubscribe token from
    /// one of them. The caller stops the daemon (it is terminated if still running at exit).
    struct ListeningDaemon {
        let daemon: Daemon
        let base: String
        let token: String
        let directory: URL
        let config: String
    }

    func listeningDaemon(on kind: StoreKind) async throws -> ListeningDaemon {
        let (directory, config, _) = try await workspace(on: kind)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"currency\": \"EUR\",", with: "\"currency\": \"EUR\", \"http\": {\"listen\": \"127.0.0.1:0\"},")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try Daemon(config: config, directory: directory, notifySocket: "")
        var port: String?
        let deadline = Date().addingTimeInterval(30)
        while port == nil && Date() < deadline {
            if let range = daemon.log.range(of: #"http\.address=127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                port = String(daemon.log[range].split(separator: ":").last!)
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let base = "http://127.0.0.1:\(try #require(port, "\(daemon.log)"))"

        // The first tick spools the demo's emails; their links name the configured public base.
        // The spool channel writes `.NAME.tmp` and renames it: only finished files count.
        let spool = directory.appendingPathComponent("spool/email")
        func spooled() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        }
        while spooled().isEmpty && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let first = try #require(spooled().first, "\(daemon.log)")
        let email = try String(contentsOf: spool.appendingPathComponent(first), encoding: .utf8)
        let header = try #require(email.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") })
        let token = String(header.dropLast().split(separator: "/").last!)
        return ListeningDaemon(daemon: daemon, base: base, token: token, directory: directory, config: config)
    }

    @Test("with http.listen on port 0: /healthz, /metrics and one-click unsubscribe answer; SIGTERM stops the listener too",
          arguments: StoreKind.allCases)
    func httpListener(on kind: StoreKind) async throws {
        let listening = try await listeningDaemon(on: kind)
        let (daemon, base, token) = (listening.daemon, listening.base, listening.token)
        defer { if daemon.process.isRunning { daemon.process.terminate() } }

        let (health, healthResponse) = try await URLSession.shared.data(from: URL(string: "\(base)/healthz")!)
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: health, as: UTF8.self))")
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "\(base)/metrics")!)
        #expect(String(decoding: metrics, as: UTF8.self).contains("campaignd_ticks_total{result=\"ok\"}"))
        var request = URLRequest(url: URL(string: "\(base)/unsubscribe/\(token)")!)
        request.httpMethod = "POST"
        request.httpBody = Data("List-Unsubscribe=One-Click".utf8)
        let (_, unsubscribed) = try await URLSession.shared.data(for: request)
        #expect((unsubscribed as? HTTPURLResponse)?.statusCode == 200)

        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0, "\(daemon.log)")
        await #expect(throws: (any Error).self) { _ = try await URLSession.shared.data(from: URL(string: "\(base)/healthz")!) }
    }

    /// Resident set size of process `pid`, in bytes (/proc/PID/statm, second field, in pages).
    static func residentBytes(of pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8)
        let pages = try #require(Int(text.split(separator: " ")[1]))
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The count of successful ticks `/metrics` reports.
    static func ticks(_ client: HTTPTestClient, base: String) async throws -> Int {
        let metrics = try await client.get("\(base)/metrics").body
        let line = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("campaignd_ticks_total{result=\"ok\"}") })
        return try #require(Int(line.split(separator: " ").last ?? ""), "\(line)")
    }

    /// The memory half of the listener's flood test (`FloodTests`) is measured here, on the
    /// daemon's own process: the test process's resident size counts every test running beside
    /// it (a whole-suite run saw 87 MiB of other tests' growth during that flood).
    @Test("10,000 forged unsubscribe requests to a running daemon: all 404, ticks go on, its memory does not grow, nothing written",
          arguments: StoreKind.allCases)
    func flood(on kind: StoreKind) async throws {
        let listening = try await listeningDaemon(on: kind)
        let (daemon, base) = (listening.daemon, listening.base)
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        let withdrawn = "SELECT count(*) FROM consent WHERE status = 'withdrawn'"
        let withdrawnBefore = try CampaigndProcess.values(withdrawn, config: listening.config, in: listening.directory)
        let client = HTTPTestClient(connections: 16)
        let forged = String(listening.token.dropLast(2))
        let ticksBefore = try await Self.ticks(client, base: base)

        // Warm up (connections, caches, the allocator's arenas) before the baseline.
        _ = await client.floodUnsubscribe(base: base, count: 1000, parallel: 32, forged: forged)
        let before = try Self.residentBytes(of: daemon.process.processIdentifier)
        let statuses = await client.floodUnsubscribe(base: base, count: 10_000, parallel: 32, forged: forged)
        let after = try Self.residentBytes(of: daemon.process.processIdentifier)
        #expect(statuses == [404: 10_000])
        let growth = after - before
        #expect(growth < 48 << 20, "the daemon's RSS grew by \(growth >> 20) MiB over 10,000 requests")

        // The daemon ticks every 2 s: the count moves on during or right after the flood.
        var ticksAfter = try await Self.ticks(client, base: base)
        let deadline = Date().addingTimeInterval(20)
        while ticksAfter <= ticksBefore && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            ticksAfter = try await Self.ticks(client, base: base)
        }
        #expect(ticksAfter > ticksBefore, "\(daemon.log)")
        #expect(try await client.get("\(base)/healthz").status == 200)
        #expect(try CampaigndProcess.values(withdrawn, config: listening.config, in: listening.directory) == withdrawnBefore)

        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0, "\(daemon.log)")
    }
}
