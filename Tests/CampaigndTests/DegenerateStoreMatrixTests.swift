import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, "nothing crashes, nothing hangs": every command of the real `campaignd` executable
/// against every degenerate store. Each cell asserts that the process ends within a timeout (a
/// hang fails), ends by exiting (never a signal), with status 0 or the documented 1, and that a
/// failure is one stderr line (plus at most one `hint:` line) with no crash text.
///
/// The stores are built once per run (`Stores.shared`) and copied into each cell's workspace.
///
/// Read-only stores as root: the tests run as root, and root ignores file modes (chmod 0444 does
/// not stop it). The immutable attribute does: `chattr +i` on the store file (or its directory)
/// makes every write fail with EPERM, for root too. It needs a file system with attributes (ext4,
/// xfs, btrfs; the temporary directory here is ext4); where `chattr` does not work those cells
/// are skipped with a note (`Immutable.available`).
@Suite("degenerate stores: every command against every store")
struct DegenerateStoreMatrixTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case missing = "missing (no file)"
        case emptyNew = "new and empty (header-only customers import)"
        case consentsOnly = "consents only (customers without addresses or history)"
        case oneCustomer = "one customer"
        case largeIdGaps = "customer ids 1, 5, 4000000000 and Int64.max (forgotten and outside-written ids)"
        case allForgotten = "all customers forgotten (after a tick)"
        case newerSchema = "written by a newer schema (unknown migration in grdb_migrations)"
        case readOnlyFile = "read-only store file (chattr +i)"
        case readOnlyDirectory = "store directory not writable (chattr +i)"

        var testDescription: String { rawValue }

        /// The store whose files this one copies (read-only stores are the one-customer store).
        var template: Store { self == .readOnlyFile || self == .readOnlyDirectory ? .oneCustomer : self }
        var hasK1: Bool { [.consentsOnly, .oneCustomer, .largeIdGaps, .newerSchema, .readOnlyFile, .readOnlyDirectory].contains(self) }
    }

    enum Command: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case plan = "plan"
        case planThreads = "plan --threads 8"
        case runOnce = "run --once"
        case daemon = "run (1 s ticks, then SIGTERM)"
        case explain = "explain K1"
        case report = "report"
        case log = "log"
        case status = "status"
        case check = "check"
        case forget = "forget K1"
        case unsubscribe = "unsubscribe TOKEN (email, K1)"

        var testDescription: String { rawValue }

        func arguments(token: String) -> [String] {
            switch self {
            case .plan: ["plan"]
            case .planThreads: ["plan", "--threads", "8"]
            case .runOnce: ["run", "--once"]
            case .daemon: ["run"]
            case .explain: ["explain", "K1"]
            case .report: ["report"]
            case .log: ["log"]
            case .status: ["status"]
            case .check: ["check"]
            case .forget: ["forget", "K1"]
            case .unsubscribe: ["unsubscribe", token]
            }
        }
    }

    /// The documented exit status of `command` on `store`, and text its stderr must contain.
    static func expected(_ command: Command, on store: Store) -> (status: Int32, stderr: String?) {
        if command == .check { return (0, nil) }  // check reads no store
        switch store {
        case .missing:
            // status and the daemon create a new store; the others refuse to.
            return command == .status || command == .daemon ? (0, nil) : (1, "no store at")
        case .newerSchema: return (1, "was written by a newer campaignd")
        case .readOnlyFile, .readOnlyDirectory: return (1, "hint: every command opens the store read-write")
        default:
            if (command == .explain || command == .forget) && !store.hasK1 { return (1, "no customer with id \"K1\"") }
            return (0, nil)
        }
    }

    @Test("every command ends with a clean exit", arguments: Store.allCases, Command.allCases)
    func cell(store: Store, command: Command) async throws {
        let stores = try Stores.shared.get()
        if store == .readOnlyFile || store == .readOnlyDirectory, !Immutable.available {
            print("skipped \(store.rawValue): chattr +i does not work here, and root ignores file modes")
            return
        }
        let cell = try stores.workspace(for: store)
        defer { cell.remove() }
        let arguments = ["--config", cell.config] + command.arguments(token: stores.token)
        let result = command == .daemon
            ? try await Bounded.runDaemon(arguments, in: cell.directory, for: 2.5)
            : try await Bounded.run(arguments, in: cell.directory, timeout: 60)
        let (status, text) = Self.expected(command, on: store)
        Bounded.expectClean(result, status: status, stderrContains: text)
    }

    // MARK: regressions found by the matrix

    @Test("a customer id of Int64.max: plan on 1, 2, 3, 7 and 8 threads and run --once finish (arithmetic overflow in the slices)",
          arguments: ["1", "2", "3", "7", "8"])
    func maximumCustomerID(threads: String) async throws {
        let cell = try Stores.shared.get().workspace(for: .largeIdGaps)
        defer { cell.remove() }
        let plan = try await Bounded.run(["--config", cell.config, "plan", "--threads", threads, "--json"], in: cell.directory, timeout: 60)
        Bounded.expectClean(plan, status: 0, stderrContains: nil)
        // K1, K5, KBIG and KMAX all have email consent: the "everyone" rule matches the four, in every slicing.
        let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        let rules = document?["rules"] as? [[String: Any]] ?? []
        #expect(rules.first { $0["rule"] as? String == "everyone-email" }?["matched"] as? Int == 4, "\(plan.stdout)")
        if threads == "1" {
            let once = try await Bounded.run(["--config", cell.config, "run", "--once"], in: cell.directory, timeout: 60)
            Bounded.expectClean(once, status: 0, stderrContains: nil)
        }
    }

    @Test("plan --threads 9223372036854775807 on a new store: a clean refusal, not an endless loop over empty slices")
    func hugeThreadCount() async throws {
        let cell = try Stores.shared.get().workspace(for: .emptyNew)
        defer { cell.remove() }
        let result = try await Bounded.run(["--config", cell.config, "plan", "--threads", "9223372036854775807"], in: cell.directory, timeout: 30)
        Bounded.expectClean(result, status: 1, stderrContains: "--threads must be 1 to 256")
    }

    @Test("a store with an unknown migration (written by a newer campaignd) is refused with one line and a hint, and left unchanged")
    func newerSchemaRefused() async throws {
        let stores = try Stores.shared.get()
        let cell = try stores.workspace(for: .newerSchema)
        defer { cell.remove() }
        // Not byte for byte: GRDB's pool creates and drops a table on open (grdb_issue_102) to make the WAL files.
        func contents() throws -> [String] {
            let database = try DatabaseQueue(path: cell.store)
            defer { try? database.close() }
            return try database.read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                    + String.fetchAll(db, sql: "SELECT name || ' ' || type FROM sqlite_master ORDER BY name")
                    + String.fetchAll(db, sql: "SELECT external_id FROM customer ORDER BY id")
            }
        }
        let before = try contents()
        let result = try await Bounded.run(["--config", cell.config, "run", "--once"], in: cell.directory, timeout: 60)
        Bounded.expectClean(result, status: 1, stderrContains: nil)
        #expect(Bounded.significantLines(result.stderr) == [
            "campaignd: store \(cell.store) was written by a newer campaignd (unknown migration \"\(Stores.futureMigration)\"); this binary cannot use it",
            "campaignd: hint: use the campaignd release that wrote it, or restore the backup taken before the upgrade (docs/operations.md, Upgrade)",
        ])
        #expect(try contents() == before, "no migration ran, nothing was written")
    }
}

/// The degenerate stores, built once with the real executable (and GRDB where an outside
/// writer is the point), kept in one directory for the whole run.
final class Stores: Sendable {
    static let shared = Result { try Stores() }
    static let futureMigration = "v9-from-a-newer-campaignd"

    let root: URL
    let rules: URL
    let token: String

    struct Cell {
        let directory: URL
        let config: String
        let store: String
        let immutable: String?

        func remove() {
            if let immutable { Immutable.set(false, immutable) }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-degenerate-\(UUID().uuidString)")
        rules = root.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let demo = CampaigndProcess.repository.appendingPathComponent("examples/demo")
        try FileManager.default.copyItem(at: CampaigndProcess.repository.appendingPathComponent("rules/lifecycle.rules"),
                                         to: rules.appendingPathComponent("lifecycle.rules"))
        // Rules that match any customer with consent, so that ticks queue and dispatch on these stores.
        try """
            rule "everyone-email" {
              when consent email
              send email "winback-coupon"
              limit once
            }
            rule "everyone-letter" {
              when consent letter
              send letter "thank-you"
              limit once
            }
            rule "everyone-webhook" {
              when consent webhook
              send webhook "crm-escalation"
              limit once
            }

            """.write(to: rules.appendingPathComponent("everyone.rules"), atomically: true, encoding: .utf8)
        token = try Self.unsubscribeToken(externalID: "K1", secretFile: demo.appendingPathComponent("secrets/unsubscribe.key").path)

        for store in DegenerateStoreMatrixTests.Store.allCases where store.template == store && store != .missing {
            let directory = root.appendingPathComponent("template-\(store)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let config = try writeConfig(in: directory)
            try build(store, config: config, in: directory)
        }
    }

    /// A config in `directory` like the demo's: its rules (and the "everyone" rules), templates and
    /// secrets, the store at store/store.sqlite, spools under spool/, 1 s ticks.
    private func writeConfig(in directory: URL) throws -> String {
        let demo = CampaigndProcess.repository.appendingPathComponent("examples/demo")
        let config = directory.appendingPathComponent("config.json").path
        try String(contentsOf: demo.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"../../var/demo/campaignd.sqlite\"", with: "\"\(directory.path)/store/store.sqlite\"")
            .replacingOccurrences(of: "\"../../var/demo/spool/", with: "\"\(directory.path)/spool/")
            .replacingOccurrences(of: "\"rules\": \"../../rules\"", with: "\"rules\": \"\(rules.path)\"")
            .replacingOccurrences(of: "\"templates\": \"../../templates\"", with: "\"templates\": \"\(CampaigndProcess.repository.path)/templates\"")
            .replacingOccurrences(of: "\"secrets/", with: "\"\(demo.path)/secrets/")
            .replacingOccurrences(of: "\"currency\": \"EUR\",", with: "\"currency\": \"EUR\", \"tick\": \"1s\",")
            .write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    private func campaignd(_ config: String, _ arguments: [String], in directory: URL) throws {
        let result = try CampaigndProcess.runSynchronously(["--config", config, "--log-level", "warning"] + arguments, in: directory)
        guard result.status == 0 else {
            throw CampaigndProcess.Failure("building a store: campaignd \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
    }

    private func importCSV(_ config: String, _ kind: String, _ text: String, in directory: URL) throws {
        let file = directory.appendingPathComponent("\(kind).csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        try campaignd(config, ["import", kind, file.path], in: directory)
    }

    private func build(_ store: DegenerateStoreMatrixTests.Store, config: String, in directory: URL) throws {
        let consents = { (ids: [String], channels: [String]) in
            "customer,channel,status,at\n" + ids.flatMap { id in channels.map { "\(id),\($0),granted,2025-01-01T00:00:00Z\n" } }.joined()
        }
        switch store {
        case .missing, .readOnlyFile, .readOnlyDirectory:
            return
        case .emptyNew:
            try importCSV(config, "customers", "id,email\n", in: directory)
        case .consentsOnly:
            try importCSV(config, "customers", "id\nK1\nK2\n", in: directory)
            try importCSV(config, "consents", consents(["K1", "K2"], ["email", "letter", "webhook"]), in: directory)
        case .oneCustomer:
            try importCSV(config, "customers", "id,email,name\nK1,k1@example.fi,Kaisa\n", in: directory)
            try importCSV(config, "consents", consents(["K1"], ["email", "webhook"]), in: directory)
        case .largeIdGaps:
            let ids = (1...5).map { "K\($0)" }
            try importCSV(config, "customers", "id,email\n" + ids.map { "\($0),\($0.lowercased())@example.fi\n" }.joined(), in: directory)
            try importCSV(config, "consents", consents(ids, ["email"]), in: directory)
            for id in ["K2", "K3", "K4"] { try campaignd(config, ["forget", id], in: directory) }
            // Ids an outside writer chose: far apart, up to the largest rowid SQLite allows.
            let database = try DatabaseQueue(path: directory.appendingPathComponent("store/store.sqlite").path)
            try database.write { db in
                for (id, external) in [(Int64(4_000_000_000), "KBIG"), (Int64.max, "KMAX")] {
                    try db.execute(sql: "INSERT INTO customer(id, external_id, email) VALUES (?, ?, ?)", arguments: [id, external, "\(external.lowercased())@example.fi"])
                    try db.execute(sql: "INSERT INTO consent(customer_id, channel, status, at) VALUES (?, 'email', 'granted', 1735689600)", arguments: [id])
                }
            }
            try database.close()
        case .allForgotten:
            let ids = ["K1", "K2", "K3"]
            try importCSV(config, "customers", "id,email\n" + ids.map { "\($0),\($0.lowercased())@example.fi\n" }.joined(), in: directory)
            try importCSV(config, "consents", consents(ids, ["email", "webhook"]), in: directory)
            try campaignd(config, ["run", "--once"], in: directory)  // a send log to scrub
            for id in ids { try campaignd(config, ["forget", id], in: directory) }
        case .newerSchema:
            try importCSV(config, "customers", "id,email,name\nK1,k1@example.fi,Kaisa\n", in: directory)
            let database = try DatabaseQueue(path: directory.appendingPathComponent("store/store.sqlite").path)
            try database.write { try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES (?)", arguments: [Self.futureMigration]) }
            try database.close()
        }
    }

    /// A fresh workspace for one cell, holding a copy of `store`'s files (none for a missing store).
    func workspace(for store: DegenerateStoreMatrixTests.Store) throws -> Cell {
        let directory = root.appendingPathComponent("cell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("store"), withIntermediateDirectories: true)
        let config = try writeConfig(in: directory)
        let storePath = directory.appendingPathComponent("store/store.sqlite").path
        if store != .missing {
            let template = root.appendingPathComponent("template-\(store.template)/store")
            for name in try FileManager.default.contentsOfDirectory(atPath: template.path) {
                try FileManager.default.copyItem(atPath: template.appendingPathComponent(name).path,
                                                 toPath: directory.appendingPathComponent("store/\(name)").path)
            }
        }
        var immutable: String?
        if store == .readOnlyFile { immutable = storePath }
        if store == .readOnlyDirectory { immutable = directory.appendingPathComponent("store").path }
        if let immutable { Immutable.set(true, immutable) }
        return Cell(directory: directory, config: config, store: storePath, immutable: immutable)
    }

    /// The token an unsubscribe link carries: base64url("email:ID") "." base64url(HMAC-SHA256).
    static func unsubscribeToken(externalID: String, secretFile: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import base64, hashlib, hmac, sys
            key = open(sys.argv[1], "rb").read().rstrip()
            payload = ("email:" + sys.argv[2]).encode()
            encode = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
            print(encode(payload) + "." + encode(hmac.new(key, payload, hashlib.sha256).digest()))
            """, secretFile, externalID]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CampaigndProcess.Failure("python3 could not make an unsubscribe token") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The immutable attribute (`chattr +i`), which stops writes by root too.
enum Immutable {
    static let available: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-chattr-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: probe, contents: Data("x".utf8))
        defer {
            set(false, probe)
            try? FileManager.default.removeItem(atPath: probe)
        }
        guard set(true, probe) else { return false }
        let descriptor = open(probe, O_WRONLY)
        if descriptor >= 0 { close(descriptor) }
        return descriptor < 0
    }()

    @discardableResult
    static func set(_ on: Bool, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chattr", on ? "+i" : "-i", path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// Runs the executable with a deadline: output goes to files (a pipe would block on a hang).
enum Bounded {
    struct Result {
        var arguments: [String]
        var reason: Process.TerminationReason
        var status: Int32
        var stdout: String
        var stderr: String
        /// Why the run was cut short: a hang, or a daemon that did not stop after SIGTERM.
        var hang: String?
    }

    private static func start(_ arguments: [String], in directory: URL) throws -> (Process, URL, URL) {
        let process = Process()
        process.executableURL = CampaigndProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = directory.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Waits until the process ends or `seconds` pass; true if it ended. Sleeps without holding a
    /// thread: a hundred cells each blocking one of the few cooperative threads for a process's
    /// lifetime starved every other test of the run (the dispatch service's wake-up test saw no
    /// round for 740 s on a busy machine).
    private static func wait(_ process: Process, _ seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }

    private static func finish(_ process: Process, _ arguments: [String], _ out: URL, _ err: URL, hang: String?) -> Result {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return Result(
            arguments: arguments, reason: process.terminationReason, status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "", stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
            hang: hang)
    }

    static func run(_ arguments: [String], in directory: URL, timeout: Double) async throws -> Result {
        let (process, out, err) = try start(arguments, in: directory)
        let ended = await wait(process, timeout)
        return finish(process, arguments, out, err, hang: ended ? nil : "did not end within \(Int(timeout)) s")
    }

    /// The daemon: runs for `seconds` (a few 1 s ticks), then SIGTERM; it must stop within 30 s.
    /// A daemon that cannot start ends by itself before that, which `expectClean` judges.
    static func runDaemon(_ arguments: [String], in directory: URL, for seconds: Double) async throws -> Result {
        let (process, out, err) = try start(arguments, in: directory)
        if await wait(process, seconds) { return finish(process, arguments, out, err, hang: nil) }
        kill(process.processIdentifier, SIGTERM)
        let ended = await wait(process, 30)
        return finish(process, arguments, out, err, hang: ended ? nil : "did not stop within 30 s of SIGTERM")
    }

    /// stderr without the log lines at notice level and below (the daemon's journal lines).
    static func significantLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter {
            $0.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\S+ (trace|debug|info|notice) "#, options: .regularExpression) == nil
        }
    }

    static let crashText = ["Fatal error", "Swift runtime failure", "Stack dump", "Backtrac", "Thread 0", "0x", "Illegal instruction", "Segmentation fault"]

    static func expectClean(_ result: Result, status: Int32, stderrContains text: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        let what = "campaignd \(result.arguments.dropFirst(2).joined(separator: " "))"
        let evidence = "\(what)\nstdout: \(result.stdout.prefix(2000))\nstderr: \(result.stderr.prefix(4000))"
        #expect(result.hang == nil, "\(what) \(result.hang ?? ""): \(evidence)", sourceLocation: sourceLocation)
        #expect(result.reason == .exit, "\(what) ended by signal \(result.status): \(evidence)", sourceLocation: sourceLocation)
        #expect(result.status == status, "\(what) exited \(result.status), expected \(status): \(evidence)", sourceLocation: sourceLocation)
        for marker in crashText {
            #expect(!result.stderr.contains(marker), "\(what): crash text '\(marker)' on stderr: \(evidence)", sourceLocation: sourceLocation)
        }
        if result.status != 0 {
            let lines = significantLines(result.stderr)
            let shapeIsClean = (lines.count == 1 || (lines.count == 2 && lines[1].hasPrefix("campaignd: hint: ")))
                && lines[0].hasPrefix("campaignd: ") && !lines[0].hasPrefix("campaignd: hint: ")
            #expect(shapeIsClean, "\(what): a failure is one line and at most one hint: \(evidence)", sourceLocation: sourceLocation)
        }
        if let text {
            #expect(result.stderr.contains(text), "\(what): stderr lacks \"\(text)\": \(evidence)", sourceLocation: sourceLocation)
        }
    }
}
