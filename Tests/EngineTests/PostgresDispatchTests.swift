@testable import CustomerStore
import Delivery
@testable import Engine
import Foundation
import GRDB
import Logging
@testable import PostgresStore
import Testing
import TestSupport

/// Dispatch from a PostgreSQL store that several dispatchers share (issue 18): each claim is
/// leased to its dispatcher, rows are taken with `FOR UPDATE SKIP LOCKED`, and only rows whose
/// lease ran out are recovered. The sends are queued by a tick on a SQLite store and copied over
/// (`store copy`), so both stores start from the same send log.
@Suite("dispatch from a PostgreSQL store shared by several dispatchers")
struct PostgresDispatchTests {
    static let rules = #"rule "hello" { when consent email  send email "hello"  limit once }"#

    /// A fixture whose `count` customers each have one queued email, and a PostgreSQL copy of it.
    static func queued(_ count: Int) async throws -> (fixture: EngineFixture, configuration: EngineConfiguration, store: PostgresStore, server: PostgresServer, database: String) {
        let fixture = try EngineFixture()
        try fixture.customers(count)
        let configuration = try fixture.configuration(rules: rules)
        let summary = try await fixture.engine(configuration).tick(at: Int64(fixture.clock.now()))
        #expect(summary.queued == count)
        let copy = try await fixture.postgresCopy(poolSize: 8)
        return (fixture, configuration, copy.store, copy.server, copy.database)
    }

    static func dispatcher(_ store: PostgresDispatchStore, _ configuration: EngineConfiguration, clock: any EngineClock) -> Dispatcher {
        Dispatcher(store: store, policy: configuration.policy, clock: clock, logger: Logger(label: "test"), random: { 0.5 },
            runtime: { configuration.runtime })
    }

    /// `status|owner|count` lines of the send log, sorted.
    static func statuses(_ server: PostgresServer, _ database: String) throws -> [String] {
        try server.psql("SELECT status, coalesce(owner, ''), count(*) FROM send GROUP BY 1, 2 ORDER BY 1, 2", database: database)
            .split(separator: "\n").map(String.init)
    }

    @Test("three dispatchers on one store deliver every send exactly once, each claiming a share")
    func threeDispatchers() async throws {
        let count = 120
        let (fixture, queuedWith, store, server, database) = try await Self.queued(count)
        defer { Task { await store.close() } }
        // One channel for all three, slow enough (50 ms a message) that no dispatcher can empty
        // the queue before the others start.
        let channel = RecordingChannel(delay: .milliseconds(50))
        let configuration = EngineConfiguration(
            runtime: EngineRuntime(
                ruleSet: queuedWith.runtime.ruleSet, channels: [.email: channel], businessTimeZone: queuedWith.runtime.businessTimeZone,
                currency: "EUR", defaultEmailQuietHours: nil),
            policy: queuedWith.policy, tickSeconds: queuedWith.tickSeconds, contactPressureMessages: 100, contactPressureDays: 7, slices: 1)
        let owners = ["daemon-a", "daemon-b", "daemon-c"]
        let summaries = try await withThrowingTaskGroup(of: DispatchSummary.self) { group in
            for owner in owners {
                let dispatcher = Self.dispatcher(PostgresDispatchStore(store: store, owner: owner), configuration, clock: fixture.clock)
                group.addTask { try await dispatcher.drain(policy: configuration.policy) }
            }
            var summaries: [DispatchSummary] = []
            for try await summary in group { summaries.append(summary) }
            return summaries
        }
        #expect(summaries.map(\.sent).reduce(0, +) == count)
        let sendIDs = channel.deliveries.map(\.message.sendID)
        #expect(sendIDs.count == count)
        #expect(Set(sendIDs).count == count, "a send was delivered twice")
        let lines = try Self.statuses(server, database)
        #expect(lines.allSatisfy { $0.hasPrefix("sent|daemon-") }, "\(lines)")
        for owner in owners {
            #expect(lines.contains { $0.hasPrefix("sent|\(owner)|") }, "\(owner) sent nothing: \(lines)")
        }
        #expect(lines.compactMap { Int($0.split(separator: "|").last ?? "") }.reduce(0, +) == count)
    }

    @Test("a dispatcher renews only the claims it holds: rows of a claim whose reply was lost run out")
    func renewsOnlyHeldClaims() async throws {
        let (fixture, _, store, server, database) = try await Self.queued(4)
        defer { Task { await store.close() } }
        let now = Int64(fixture.clock.now())
        let dispatch = PostgresDispatchStore(store: store, owner: "daemon-c", leaseSeconds: 60)
        let claimed = try await dispatch.claimAndRecheck(limit: 2, now: now).map(\.send)
        let held = claimed.map(\.id)
        // Two more rows marked with its owner by a claim whose reply never reached it.
        let (lost, _) = try await store.claimDue(limit: 2, now: now, owner: "daemon-c", leaseSeconds: 60) { _, _ in () }
        #expect(held.count == 2 && lost.count == 2)
        _ = try server.psql("UPDATE send SET lease_until = 0 WHERE owner = 'daemon-c'", database: database)
        try await dispatch.renewClaims(now: now)
        let renewed = try server.psql("SELECT id FROM send WHERE owner = 'daemon-c' AND lease_until > 0 ORDER BY id", database: database)
            .split(separator: "\n").compactMap { Int64($0) }
        #expect(renewed == held.sorted())
        // Recorded rows are no longer held: a later renewal touches none of its rows.
        try await dispatch.record(claimed.map { SendOutcome($0, .sent(attempts: 1, receipt: nil), at: now) })
        _ = try server.psql("UPDATE send SET lease_until = 0 WHERE owner = 'daemon-c'", database: database)
        try await dispatch.renewClaims(now: now)
        #expect(try server.psql("SELECT count(*) FROM send WHERE owner = 'daemon-c' AND lease_until > 0", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("a live dispatcher's claims are never recovered by another; once its lease runs out they are resent with their send ids")
    func leases() async throws {
        let count = 20
        let (fixture, configuration, store, server, database) = try await Self.queued(count)
        defer { Task { await store.close() } }
        let now = Int64(fixture.clock.now())
        // Daemon A claims five rows with a 60 s lease, then (as if killed) never records them.
        // Leases are moved back with SQL rather than waited for: a short real lease ran out under
        // a loaded whole-suite run before the first check (the test took minutes there).
        let (claimed, _) = try await store.claimDue(limit: 5, now: now, owner: "daemon-a", leaseSeconds: 60) { _, _ in () }
        #expect(claimed.count == 5)
        #expect(claimed.map { $0.dueAt ?? 0 } == claimed.map { $0.dueAt ?? 0 }.sorted())

        let other = PostgresDispatchStore(store: store, owner: "daemon-b", leaseSeconds: 60)
        // Leases run by the database server's clock: the engine's clock a day on (a `run --once
        // --at`, a daemon whose clock is off) does not make them expire.
        #expect(try await other.recoverInFlight(now: now + 86_400) == 0)
        // A renewal (A is alive) moves them on: once the first 60 s have passed they still hold.
        #expect(try await store.renewClaims(owner: "daemon-b", ids: claimed.map(\.id), leaseSeconds: 600) == 0)
        #expect(try await store.renewClaims(owner: "daemon-a", ids: claimed.map(\.id), leaseSeconds: 600) == 5)
        _ = try server.psql("UPDATE send SET lease_until = lease_until - 61 WHERE owner = 'daemon-a'", database: database)
        #expect(try await other.recoverInFlight(now: now) == 0)
        let dispatcher = Self.dispatcher(other, configuration, clock: fixture.clock)
        let first = try await dispatcher.drain(policy: configuration.policy)
        #expect(first.sent == count - 5)
        #expect(try Self.statuses(server, database) == ["in_flight|daemon-a|5", "sent|daemon-b|\(count - 5)"])

        // A is dead: its renewed leases run out (moved back past their 600 s).
        _ = try server.psql("UPDATE send SET lease_until = lease_until - 600 WHERE owner = 'daemon-a'", database: database)
        #expect(try await dispatcher.recoverInFlight() == 5)
        let second = try await dispatcher.drain(policy: configuration.policy)
        #expect(second.sent == 5)
        #expect(try Self.statuses(server, database) == ["sent|daemon-b|\(count)"])
        let delivered = fixture.email.deliveries.map(\.message.sendID)
        #expect(Set(delivered).count == count && delivered.count == count)
        #expect(Set(claimed.map(\.sendID)).isSubset(of: Set(delivered)))
    }

    @Test("outcomes are written with the SQLite store's statements: a retry, a hard bounce's suppression, a skip")
    func outcomes() async throws {
        let (fixture, configuration, store, server, database) = try await Self.queued(3)
        defer { Task { await store.close() } }
        let channel = RecordingChannel(script: [
            .retry(reason: "451 try later", notBefore: nil), .permanent(reason: "550 no such user", suppressAddress: true),
        ])
        let runtime = EngineRuntime(
            ruleSet: configuration.runtime.ruleSet, channels: [.email: channel], businessTimeZone: configuration.runtime.businessTimeZone,
            currency: "EUR", defaultEmailQuietHours: nil)
        // C3 withdraws consent after the tick: the re-check in the claim's transaction skips it.
        _ = try server.psql("INSERT INTO consent(customer_id, channel, status, at, source) SELECT id, 'email', 'withdrawn', 1, 'test' FROM customer WHERE external_id = 'C3'", database: database)
        let dispatcher = Dispatcher(
            store: PostgresDispatchStore(store: store, owner: "daemon-a"), policy: DispatchPolicy(concurrency: 1, ratePerSecond: [:], retry: configuration.policy.retry),
            clock: fixture.clock, logger: Logger(label: "test"), random: { 0.5 }, runtime: { runtime })
        let summary = try await dispatcher.drain(policy: DispatchPolicy(concurrency: 1, ratePerSecond: [:], retry: configuration.policy.retry))
        #expect(summary.retried == 1 && summary.failed == 1 && summary.skipped == 1)
        let rows = try server.psql(
            "SELECT c.external_id, s.status, s.attempts, coalesce(s.reason, ''), coalesce(s.last_error, '') FROM send s JOIN customer c ON c.id = s.customer_id ORDER BY 1",
            database: database
        ).split(separator: "\n").map(String.init)
        // C1 and C2 are claimed in the order the tick wrote them (its slices run in parallel):
        // which of the two got which answer varies, the pair does not.
        #expect(rows.count == 3 && rows[2] == "C3|skipped|0|no_consent at dispatch|", "\(rows)")
        #expect(Set(rows.prefix(2).map { $0.dropFirst(3) }) == ["queued|1||451 try later", "failed|1|hard bounce|550 no such user"], "\(rows)")
        let bounced = try #require(rows.prefix(2).first { $0.contains("|failed|") }?.prefix(2))
        #expect(
            try server.psql("SELECT channel, address, reason FROM suppression", database: database)
                == "email|c\(bounced.dropFirst())@example.fi|hard_bounce\n")
    }

    @Test("a tick queueing 1,000 sends or more refreshes the send log's statistics, so the next claim reads send_due in order")
    func tickAnalysesItsQueue() async throws {
        let count = 1_200
        let fixture = try EngineFixture()
        defer { fixture.closeLater() }
        try fixture.customers(count)
        let configuration = try fixture.configuration(rules: Self.rules)
        let engine = try await fixture.engine(configuration, on: .postgres)
        let copy = try #require(fixture.postgres.copy)
        // A new store: the send log never analysed, as on a first tick (or any tick before
        // autovacuum ran): the planner does not know the queue (-1 rows).
        #expect(try copy.value("SELECT reltuples FROM pg_class WHERE relname = 'send'") == "-1")
        let now = Int64(fixture.clock.now())
        let summary = try await engine.tick(at: now)
        #expect(summary.queued == count)
        // Analysed in the tick's transaction, counting its rows (before autovacuum next visits the table).
        #expect(try copy.value("SELECT reltuples::bigint FROM pg_class WHERE relname = 'send'") == "\(count)")
        let plan = try copy.server.explain(PostgresStore.claimSQL, literals: ["'a'", "60", "\(now)", "\(now)", "4"], database: copy.database)
        #expect(plan.contains { $0.contains("Index Scan using send_due on send") }, "\(plan.joined(separator: "\n"))")
        #expect(!plan.contains { $0.contains("Sort") }, "\(plan.joined(separator: "\n"))")
    }
}
