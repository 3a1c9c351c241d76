@testable import CustomerStore
import Delivery
import Engine
import Evaluation
import Foundation
import GRDB
import Logging
import Testing
import TestSupport

/// `coupon from pool "…"`: one code per queued send, taken in the tick's transaction, kept on
/// retries, released when the send ends skipped or failed, `no_coupon` when the pool is empty.
/// The tick and dispatch tests run on both stores (`StoreKind`); the statement-level ones are
/// SQLite's own (PostgreSQL's tick takes codes with its own statements, `PostgresTickFeaturesTests`).
@Suite("coupon pools")
struct CouponPoolTests {
    static let rules = """
        rule "winback" {
          when orders >= 1 and consent email
          send email "winback"
          coupon from pool "WINBACK10"
          limit once per 30 days
        }
        """

    /// Codes held by sends: each send row carries its code.
    static let heldSQL = "SELECT count(*) FROM coupon k JOIN send s ON s.coupon = k.code"
    /// A free code: after the place its pool has been handed out through.
    static let free = "k.place > coalesce((SELECT p.handed_through FROM coupon_pool p WHERE p.pool = k.pool), 0)"

    /// Imports `codes` (one a line) into `pool`.
    static func importCodes(_ codes: [String], pool: String = "WINBACK10", into fx: EngineFixture) throws -> CouponImportSummary {
        let path = "\(fx.directory)/codes-\(UUID().uuidString).txt"
        try codes.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return try fx.store.importCoupons(pool: pool, path: path, timeZone: .gmt, now: Int64(fx.clock.now()))
    }

    /// Imports `codes` (one a line) into `pool` of both stores, once the PostgreSQL copy is made.
    static func importCodesEverywhere(_ codes: [String], pool: String = "WINBACK10", into fx: EngineFixture) async throws {
        let path = "\(fx.directory)/codes-\(UUID().uuidString).txt"
        try codes.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try await fx.importCoupons(pool: pool, path: path)
    }

    @Test("each queued send takes its own code; the message carries it; an expired code is never handed out", arguments: StoreKind.allCases)
    func oneCodePerSend(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(3)
        _ = try Self.importCodes(["A-1", "A-2", "A-3"], into: fx)
        let expired = "\(fx.directory)/expired.csv"
        try "code,expires\nOLD-1,2020-01-01\n".write(toFile: expired, atomically: true, encoding: .utf8)
        _ = try fx.store.importCoupons(pool: "WINBACK10", path: expired, timeZone: .gmt, now: Int64(fx.clock.now()))
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let summary = try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(summary.queued == 3)
        #expect(try fx.count("SELECT count(DISTINCT coupon) FROM send WHERE status = 'queued'") == 3)
        #expect(try fx.count(Self.heldSQL) == 3)
        #expect(try fx.count("SELECT count(*) FROM send WHERE coupon = 'OLD-1'") == 0)
        #expect(try await engine.dispatchDue().sent == 3)
        #expect(Set(fx.email.deliveries.compactMap(\.message.coupon)) == ["A-1", "A-2", "A-3"])
        let pool = try #require(try await fx.couponPools(now: Int64(fx.clock.now())).first)
        #expect(pool == CouponPoolSummary(pool: "WINBACK10", total: 4, assigned: 3, delivered: 3, redeemed: 0, left: 0, expired: 1))
    }

    @Test("a tick reading codes in several chunks: every code goes to exactly one send, the queue moves past them all", arguments: StoreKind.allCases)
    func manyCodesInChunks(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        let customers = 7 * CouponWriter.firstChunk + 44
        try fx.customers(customers)
        _ = try Self.importCodes((0..<customers + 50).map { "B-\($0)" }, into: fx)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let summary = try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(summary.queued == customers)
        #expect(try fx.count(Self.heldSQL + " WHERE NOT \(Self.free)") == customers)
        #expect(try fx.count("SELECT count(DISTINCT coupon) FROM send WHERE status = 'queued'") == customers)
        #expect(try fx.count("SELECT count(*) FROM coupon k WHERE \(Self.free)") == 50)
        #expect(summary.coupons["WINBACK10"] == CouponUse(taken: customers, left: 50, ranOut: false))
    }

    @Test("an empty pool writes no_coupon rows and sends nothing; new codes let the next tick queue them", arguments: StoreKind.allCases)
    func emptyPool(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(3)
        _ = try Self.importCodes(["ONLY-1"], into: fx)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        let summary = try await engine.tick(at: instant)
        #expect(summary.queued == 1 && summary.recorded[.skipped] == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'skipped' AND reason = 'no_coupon' AND coupon IS NULL") == 2)
        let use = try #require(summary.coupons["WINBACK10"])
        #expect(use == CouponUse(taken: 1, left: 0, ranOut: true) && use.isRunningLow)
        #expect(try await engine.dispatchDue().sent == 1)
        #expect(fx.email.deliveries.map(\.message.coupon) == ["ONLY-1"])
        // More codes: the skipped rows of this window become sends on the next tick.
        try await Self.importCodesEverywhere(["MORE-1", "MORE-2"], into: fx)
        fx.clock.advance(300)
        let next = try await engine.tick(at: instant + 300)
        #expect(next.queued == 2)
        #expect(try await engine.dispatchDue().sent == 2)
        #expect(Set(fx.email.deliveries.compactMap(\.message.coupon)) == ["ONLY-1", "MORE-1", "MORE-2"])
    }

    @Test("codes read in chunks: every send its own code, codes without an expiry first then the soonest expiring; a re-run takes none", arguments: StoreKind.allCases)
    func chunksKeepTheOrder(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(150)
        _ = try Self.importCodes((1...100).map { "N-\($0)" }, into: fx)
        let dated = "\(fx.directory)/dated.csv"
        let lines = (1...60).map { day in "E-\(day),2030-01-\(String(format: "%02d", (day - 1) % 28 + 1))T\(String(format: "%02d", (day - 1) / 28)):00:00Z" }
        try (["code,expires"] + lines).joined(separator: "\n").write(toFile: dated, atomically: true, encoding: .utf8)
        _ = try fx.store.importCoupons(pool: "WINBACK10", path: dated, timeZone: .gmt, now: Int64(fx.clock.now()))
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        let summary = try await engine.tick(at: instant)
        #expect(summary.queued == 150)
        #expect(summary.coupons["WINBACK10"] == CouponUse(taken: 150, left: 10, ranOut: false))
        #expect(try fx.count("SELECT count(DISTINCT coupon) FROM send WHERE status = 'queued'") == 150)
        #expect(try fx.count(Self.heldSQL) == 150)
        #expect(try fx.count("SELECT count(*) FROM coupon k WHERE code LIKE 'N-%' AND \(Self.free)") == 0)
        // The ten left are the ten latest to expire, and no send holds them.
        let left = try fx.values("SELECT code FROM coupon k WHERE \(Self.free) AND NOT EXISTS (SELECT 1 FROM send s WHERE s.coupon = k.code)")
        let latest = try fx.values("SELECT code FROM coupon WHERE code LIKE 'E-%' ORDER BY expires_at DESC LIMIT 10")
        #expect(Set(left) == Set(latest) && left.count == 10)
        // The same window again: nothing new is queued, no code is taken.
        let again = try await engine.tick(at: instant)
        #expect(again.queued == 0 && (again.coupons["WINBACK10"]?.taken ?? 0) == 0)
        #expect(try fx.count("SELECT count(*) FROM coupon k WHERE \(Self.free)") == 10)
    }

    @Test("a decision already recorded puts its code back: the next send gets it, and the queue stops before the code still in hand")
    func unchangedDecisionPutsTheCodeBack() throws {
        let fx = try EngineFixture()
        try fx.customers(2)
        _ = try Self.importCodes(["K-1", "K-2", "K-3"], into: fx)
        let ids = try fx.store.database.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM customer ORDER BY id") }
        func decision(_ sendID: String, customer: Int64) -> SendDecision {
            SendDecision(
                sendID: sendID, rule: "r", ruleHash: "h", customerID: customer, channel: "email", target: "t", windowKey: 0,
                decidedAt: 100, status: .queued, reason: nil, evidence: "{}", dueAt: 100)
        }
        let (results, taken) = try fx.store.database.write { db in
            let writer = try DecisionWriter(db)
            let results = try [
                writer.record(decision("s1", customer: ids[0]), couponPool: "WINBACK10"),
                writer.record(decision("s2", customer: ids[0]), couponPool: "WINBACK10"),
                writer.record(decision("s3", customer: ids[1]), couponPool: "WINBACK10"),
            ]
            try writer.finishCoupons()
            return (results, writer.couponWriter?.taken)
        }
        #expect(results.map(\.recorded) == [true, false, true])
        #expect(taken == ["WINBACK10": 2])
        let assigned = try fx.store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT coupon, send_id FROM send WHERE coupon IS NOT NULL ORDER BY send_id")
                .map { "\($0["coupon"] as String)=\($0["send_id"] as String)" }
        }
        #expect(assigned == ["K-1=s1", "K-2=s3"])
        #expect(try fx.values("SELECT code FROM coupon k WHERE \(Self.free) ORDER BY place") == ["K-3"])
    }

    @Test("two ticks on two connections racing for the last code give it to one send")
    func raceForTheLastCode() async throws {
        let fx = try EngineFixture()
        try fx.customers(1)
        _ = try Self.importCodes(["LAST-1"], into: fx)
        let other = try CustomerStore(path: fx.store.path, currency: "EUR")
        let rules = ["a", "b"].map { name in
            "rule \"\(name)\" { when orders >= 1  send email \"x\"  coupon from pool \"WINBACK10\"  limit once }"
        }
        let settings = EvaluationSettings(now: Int64(fx.clock.now()), businessTimeZone: .gmt, currency: "EUR")
        let clock = fx.clock
        let outboxes = [Outbox(store: fx.store, clock: clock, logger: fx.logger), Outbox(store: other, clock: clock, logger: fx.logger)]
        let ruleSets = try rules.map { try fx.ruleSet($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2 {
                let outbox = outboxes[index]
                let ruleSet = ruleSets[index]
                group.addTask { _ = try outbox.tick(ruleSet: ruleSet, settings: settings, slices: 1) }
            }
            try await group.waitForAll()
        }
        #expect(try fx.count("SELECT count(*) FROM send") == 2)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'queued' AND coupon = 'LAST-1'") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'skipped' AND reason = 'no_coupon'") == 1)
        #expect(try fx.count(Self.heldSQL + " WHERE s.status = 'queued' AND NOT \(Self.free)") == 1)
        #expect(try fx.values("SELECT handed_through FROM coupon_pool") == ["1"])
    }

    @Test("a retry keeps the code; a permanent failure releases it; a code is never given twice while in use", arguments: StoreKind.allCases)
    func retryKeepsFailureReleases(_ kind: StoreKind) async throws {
        let fx = try EngineFixture(emailScript: [
            .retry(reason: "450 mailbox busy", notBefore: nil), .permanent(reason: "550 no such user", suppressAddress: false),
        ])
        defer { fx.closeLater() }
        try fx.customers(1)
        _ = try Self.importCodes(["R-1"], into: fx)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try await engine.dispatchDue().retried == 1)
        #expect(try fx.count(Self.heldSQL + " WHERE k.code = 'R-1' AND NOT \(Self.free)") == 1)
        let dueAt = try fx.values("SELECT due_at FROM send")
        let due = try #require(dueAt.count == 1 ? Int64(dueAt[0]) : nil, "\(dueAt)")
        fx.clock.advance(Double(due) - fx.clock.now())
        #expect(try await engine.dispatchDue().failed == 1)
        #expect(fx.email.deliveries.map(\.message.coupon) == ["R-1", "R-1"])
        #expect(try fx.count("SELECT count(*) FROM coupon k WHERE code = 'R-1' AND \(Self.free)") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE status = 'failed' AND coupon IS NULL") == 1)
    }

    @Test("a send skipped at dispatch releases its code", arguments: StoreKind.allCases)
    func skipReleases(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(1)
        _ = try Self.importCodes(["S-1"], into: fx)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        try fx.consents([StoreFixture.Consent("C1", "email", granted: false, at: Int64(fx.clock.now()) - 1)])
        #expect(try await engine.dispatchDue().skipped == 1)
        #expect(fx.email.deliveries.isEmpty)
        #expect(try fx.count("SELECT count(*) FROM coupon k WHERE code = 'S-1' AND \(Self.free)") == 1)
        #expect(try fx.count("SELECT count(*) FROM send WHERE coupon IS NOT NULL") == 0)
    }

    @Test("a journey step takes its code as a rule's send does; with the pool empty the step is no_coupon and the journey goes on", arguments: StoreKind.allCases)
    func journeyStepCodes(_ kind: StoreKind) async throws {
        let fx = try EngineFixture(now: "2026-11-02T09:00:00Z")
        defer { fx.closeLater() }
        try fx.journeyCustomers(["A", "B", "C"])
        for id in ["A", "B", "C"] { try fx.purchase(id, at: EngineFixture.time("2026-11-02T08:30:00Z")) }
        _ = try Self.importCodes(["J-1", "J-2"], pool: "J", into: fx)
        let journey = """
            journey "welcome-back" {
              enter when purchase in last 2 days and consent email
              step "offer" {
                send email "promo"
                coupon from pool "J"
              }
              wait 1 days
              step "thanks" { send email "thanks" }
            }
            """
        let (engine, _) = try await fx.engine(ruleSet: try fx.ruleSet(journey), on: kind)
        let first = try await engine.tick(at: EngineFixture.time("2026-11-02T09:00:00Z"))
        #expect(first.coupons["J"] == CouponUse(taken: 2, left: 0, ranOut: true))
        #expect(first.journeys.first?.steps.first?.skipped == ["no_coupon": 1])
        try await fx.simulate(engine, from: EngineFixture.time("2026-11-02T09:00:00Z"), count: 25)
        // Steps are taken in enrolment order, enrolments made in customer order: C finds the pool empty.
        #expect(try await fx.journeySends() == [
            "A welcome-back/offer sent 2026-11-02T09:00:00Z",
            "A welcome-back/thanks sent 2026-11-03T09:00:00Z",
            "B welcome-back/offer sent 2026-11-02T09:00:00Z",
            "B welcome-back/thanks sent 2026-11-03T09:00:00Z",
            "C welcome-back/offer skipped 2026-11-02T09:00:00Z (no_coupon)",
            "C welcome-back/thanks sent 2026-11-03T09:00:00Z",
        ])
        #expect(try fx.count(Self.heldSQL + " WHERE s.journey = 'welcome-back'") == 2)
        #expect(Set(fx.email.deliveries.compactMap(\.message.coupon)) == ["J-1", "J-2"])
    }

    @Test("a purchase naming the code marks it redeemed")
    func redemption() async throws {
        let fx = try EngineFixture()
        try fx.customers(1)
        _ = try Self.importCodes(["P-1"], into: fx)
        let engine = try fx.engine(try fx.configuration(rules: Self.rules))
        try await engine.tick(at: engine.scheduledInstant(atOrBefore: fx.clock.now()))
        #expect(try await engine.dispatchDue().sent == 1)
        let purchases = "\(fx.directory)/purchases.csv"
        try "customer,order,at,amount,coupon\nC1,O-new,2026-11-21T10:00:00Z,25.00,P-1\n"
            .write(toFile: purchases, atomically: true, encoding: .utf8)
        _ = try Importer(store: fx.store, timeZone: .gmt).run(.purchases, path: purchases)
        let pool = try #require(try fx.store.couponPools(now: Int64(fx.clock.now())).first)
        #expect(pool.redeemed == 1 && pool.delivered == 1)
    }

    @Test("reading free codes is one ordered range of the queue index, never a scan or sort of the pool")
    func takeUsesTheQueueIndex() throws {
        let fx = try EngineFixture()
        let plan = try fx.store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + CouponQueue.freeCodesSQL, arguments: ["P", 0, 0, 64])
                .map { $0["detail"] as String }
        }
        #expect(plan == ["SEARCH coupon USING INDEX coupon_queue (pool=? AND place>?)"], "\(plan)")
    }

    @Test("counting free codes reads only the queue index")
    func freeCountUsesTheQueueIndex() throws {
        let fx = try EngineFixture()
        let plan = try fx.store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + CouponQueue.freeCountSQL, arguments: ["P", "P", 0])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH coupon USING COVERING INDEX coupon_queue (pool=? AND place>?)") && !plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    @Test("giving a code back looks it up by its code (unique) and its pool's last place by the queue index")
    func releaseUsesTheCodeIndex() throws {
        let fx = try EngineFixture()
        let plan = try fx.store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + CouponQueue.releaseSQL, arguments: ["P-1"])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH coupon USING INDEX sqlite_autoindex_coupon_1 (code=?)") && !plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    @Test("an import after the queue moved: handed-out codes stay handed out, new codes join the free ones in order", arguments: StoreKind.allCases)
    func importAfterTheQueueMoved(_ kind: StoreKind) async throws {
        let fx = try EngineFixture()
        defer { fx.closeLater() }
        try fx.customers(2)
        _ = try Self.importCodes(["A-1", "A-2", "A-3"], into: fx)
        let later = "\(fx.directory)/later.csv"
        try "code,expires\nE-1,2030-01-01\nA-0,\nE-0,2029-01-01\n".write(toFile: later, atomically: true, encoding: .utf8)
        let engine = try await fx.engine(try fx.configuration(rules: Self.rules), on: kind)
        let instant = engine.scheduledInstant(atOrBefore: fx.clock.now())
        #expect(try await engine.tick(at: instant).queued == 2)
        try await fx.importCoupons(pool: "WINBACK10", path: later)
        // Codes without an expiry first (by code), then the soonest expiring; the two handed out stay before them.
        #expect(try fx.values("SELECT code FROM coupon k WHERE \(Self.free) ORDER BY place") == ["A-0", "A-3", "E-0", "E-1"])
        #expect(try fx.count(Self.heldSQL + " WHERE NOT \(Self.free)") == 2)
        let pool = try #require(try await fx.couponPools(now: Int64(fx.clock.now())).first)
        #expect(pool == CouponPoolSummary(pool: "WINBACK10", total: 6, assigned: 2, delivered: 0, redeemed: 0, left: 4, expired: 0))
        // Importing the same file again changes nothing.
        try await fx.importCoupons(pool: "WINBACK10", path: later)
        #expect(try fx.values("SELECT code FROM coupon k WHERE \(Self.free) ORDER BY place") == ["A-0", "A-3", "E-0", "E-1"])
    }
}
