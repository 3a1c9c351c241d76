@testable import CustomerStore
import Delivery
import Engine
import Foundation
import GRDB
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// A channel that fills the disk when it gets its first message, then delivers (records) as
/// `RecordingChannel` does: the outcome of that send meets a full disk.
final class DiskFillingChannel: DeliveryChannel {
    let disk: SmallDisk
    let inner = RecordingChannel()
    private let filled = Mutex(false)

    init(disk: SmallDisk) { self.disk = disk }

    func deliver(_ message: OutboundMessage) async -> DeliveryOutcome {
        let first = filled.withLock { filled in
            defer { filled = true }
            return !filled
        }
        if first { try? disk.fill() }
        return await inner.deliver(message)
    }
}

@Suite("a full disk: the store's writes are refused, then space returns", .serialized)
struct FullDiskTests {
    static let rules = #"rule "welcome" { when consent email  send email "x"  limit once }"#

    /// Empties the WAL, so the next write needs new space on the disk.
    static func truncateWAL(_ store: CustomerStore) throws {
        _ = try store.database.writeWithoutTransaction { try Row.fetchAll($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    @Test("disk full during a tick: one line naming the store, nothing written; the tick after space returns records all")
    func tickOnAFullDisk() async throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try EngineFixture(directory: disk.path)
        try fx.customers(50)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        try Self.truncateWAL(fx.store)
        try disk.fill()

        let error = try await #require(throws: StoreError.self) { try await engine.tick(at: instant) }
        guard case .writeRefused(let path, .full, _) = error else {
            Issue.record("expected writeRefused(.full), got \(error)")
            return
        }
        #expect(path == "\(disk.path)/store.sqlite")
        #expect(!error.description.contains("\n") && error.description.contains(path), "\(error)")
        #expect(error.hint?.contains("free space") == true)
        #expect(engine.lastTick?.error?.contains("the disk is full") == true)
        #expect(try fx.count("SELECT count(*) FROM send") == 0, "the tick's transaction is absent")

        try disk.free()
        #expect(try await engine.tick(at: instant).queued == 50)
        #expect(engine.lastTick?.error == nil)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 50)
    }

    @Test("disk full before a tick: the tick service tries the same instant again by itself once space returns")
    func tickServiceRetries() async throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try EngineFixture(directory: disk.path)
        try fx.customers(20)
        let configuration = try fx.configuration(rules: Self.rules)
        let start = fx.clock.now()
        // Space returns during the first wait after the failed tick; 3 waits in all.
        let clock = SteppingClock(start, sleeps: 3, onSleep: { number in if number == 1 { try? disk.free() } })
        let engine = try Engine(store: fx.store, clock: clock, logger: fx.logger, loader: { configuration })
        try Self.truncateWAL(fx.store)
        try disk.fill()
        let ticks = Mutex<[(instant: Int64, at: Double)]>([])
        try await TickService(engine: engine, retrySeconds: 30, afterTick: {
            if let tick = engine.lastTick { ticks.withLock { $0.append((tick.instant, tick.finishedAt)) } }
        }).run()
        let done = ticks.withLock { $0 }
        let first = try #require(done.first)
        #expect(first.instant == engine.scheduledInstant(atOrBefore: start), "the failed instant, tried again")
        #expect(first.at == start + 30, "after the retry delay, not a whole interval")
        #expect(try fx.count("SELECT count(*) FROM send") == 20)
    }

    @Test("disk full during dispatch: nothing is claimed and the engine says why; after space returns each send goes once")
    func dispatchOnAFullDisk() async throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try EngineFixture(directory: disk.path)
        try fx.customers(20)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        try Self.truncateWAL(fx.store)
        try disk.fill()

        await #expect(throws: StoreError.self) { try await engine.dispatchDue() }
        #expect(fx.email.deliveries.isEmpty)
        #expect(engine.dispatchError?.contains("\(disk.path)/store.sqlite: the disk is full") == true, "\(engine.dispatchError ?? "nil")")
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued'") == 20, "nothing queued is lost")

        try disk.free()
        #expect(try await engine.dispatchDue().sent == 20)
        #expect(engine.dispatchError == nil)
        #expect(Set(fx.email.deliveries.map(\.message.sendID)).count == 20)
        #expect(fx.email.deliveries.count == 20)
    }

    @Test("disk full after delivery: the outcome is written again until the store takes it; the send is not resent")
    func outcomeOnAFullDisk() async throws {
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try EngineFixture(directory: disk.path)
        try fx.customers(20)
        let channel = DiskFillingChannel(disk: disk)
        let base = try fx.configuration(rules: Self.rules)
        let configuration = EngineConfiguration(
            runtime: EngineRuntime(
                ruleSet: base.runtime.ruleSet, channels: [.email: channel], businessTimeZone: base.runtime.businessTimeZone,
                currency: "EUR", defaultEmailQuietHours: nil),
            policy: base.policy, tickSeconds: 300, contactPressureMessages: 100, contactPressureDays: 7, slices: 1)
        // Space returns during the third wait of an outcome the store refused.
        let clock = SteppingClock(fx.clock.now(), sleeps: 10_000, onSleep: { number in if number == 3 { try? disk.free() } })
        let engine = try Engine(store: fx.store, clock: clock, logger: fx.logger, loader: { configuration })
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: clock.now()))
        try Self.truncateWAL(fx.store)

        // A claim may meet the full disk too: the drain then throws, after the sends in flight
        // have recorded their outcomes; the next one sends the rest.
        _ = try? await engine.dispatchDue()
        #expect(clock.sleepCount >= 3, "the outcomes met a full disk and were written again")
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'in_flight'") == 0, "no send left to be resent")
        _ = try await engine.dispatchDue()
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'sent'") == 20)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'in_flight'") == 0, "no send left to be resent")
        #expect(channel.inner.deliveries.count == 20)
        #expect(Set(channel.inner.deliveries.map(\.message.sendID)).count == 20)
        #expect(engine.dispatchError == nil)
    }

    @Test("a daemon started on a full disk with sends left in flight keeps running and sends them once space returns")
    func startOnAFullDiskWithSendsInFlight() async throws {
        // Before: the dispatch service's first write (putting rows left in flight back in the
        // queue) threw out of run(), which ended the service group: the daemon exited, and under
        // systemd restarted in a loop while the disk stayed full.
        let disk = try SmallDisk()
        defer { disk.unmount() }
        let fx = try EngineFixture(directory: disk.path)
        try fx.customers(10)
        let configuration = try fx.configuration(rules: Self.rules)
        // Space returns during the dispatch service's fifth wait.
        let clock = SteppingClock(fx.clock.now(), sleeps: .max, onSleep: { number in if number == 5 { try? disk.free() } })
        let engine = try Engine(store: fx.store, clock: clock, logger: fx.logger, loader: { configuration })
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: clock.now()))
        // A crash left four rows in flight.
        #expect(try await fx.store.sendLog.claimDue(limit: 4, now: Int64(clock.now())).count == 4)
        try Self.truncateWAL(fx.store)
        try disk.fill()

        let dispatch = DispatchService(engine: engine, pollSeconds: 1)
        let group = ServiceGroup(services: [dispatch], logger: fx.logger)
        let running = Task { try await group.run() }
        var rounds = 0
        while try fx.count("SELECT count(*) FROM send WHERE status = 'sent'") < 10 && rounds < 60_000 {
            rounds += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(clock.sleepCount >= 5, "the service waited on the full disk")
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'sent'") == 10)
        #expect(fx.email.deliveries.count == 10, "the four recovered rows went once, with the others")
        #expect(Set(fx.email.deliveries.map(\.message.sendID)).count == 10)
        #expect(engine.dispatchError == nil)
    }

    @Test("import --skip-invalid onto a store whose disk turned read-only: the store's error, not every row invalid")
    func importSkipInvalidOnAReadOnlyDisk() throws {
        // Before: each row's write failed with "attempt to write a readonly database", was
        // counted as a bad row, and the import reported every row invalid.
        let disk = try SmallDisk(megabytes: 32, ext4: true)
        defer { disk.unmount() }
        // The daemon keeps the store open (its -wal and -shm files stay); `import` opens it after
        // the filesystem turned read-only, so SQLite opens the file read-only.
        let daemon = try CustomerStore(path: "\(disk.path)/store.sqlite", currency: "EUR")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("campaignd-import-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "id,email,name\nA1,a1@example.fi,Aino\nA2,a2@example.fi,Eino\n".write(toFile: file, atomically: true, encoding: .utf8)
        try disk.turnReadOnly()
        let store = try CustomerStore(path: daemon.path, currency: "EUR")

        var importer = Importer(store: store, timeZone: TimeZone(identifier: "Europe/Helsinki")!)
        importer.skipInvalid = true
        var problems: [ImportProblem] = []
        importer.onProblem = { problems.append($0) }
        let error = try #require(throws: StoreError.self) { try importer.run(.customers, path: file) }
        guard case .writeRefused(let path, _, let operation) = error else {
            Issue.record("expected writeRefused, got \(error)")
            return
        }
        #expect(path == store.path)
        #expect(operation == "import customers \(file)")
        #expect(problems.isEmpty, "no row is called invalid: \(problems)")
        #expect(try store.summary().customers == 0)
    }
}

