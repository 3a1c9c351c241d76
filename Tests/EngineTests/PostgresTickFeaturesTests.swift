@testable import CustomerStore
import Delivery
@testable import Engine
import Foundation
import GRDB
import Logging
import PostgresStore
import Testing
import TestSupport

/// Coupon pools, A/B winner decisions and segment transitions in a tick on a PostgreSQL store
/// (issue 18): the same store copied to PostgreSQL (`store copy`) and ticked by both stores'
/// engines at the same instants must record the same decisions, hand out the same codes, decide
/// the same winner and keep the same membership history.
@Suite("PostgreSQL tick: coupon pools, A/B winners and segment transitions as on SQLite")
struct PostgresTickFeaturesTests {
    /// An engine running `configuration` on the PostgreSQL copy of `fixture`'s store (made now,
    /// `EngineFixture.postgresCopy`), and the copy. The fixture's `count` then reads the copy;
    /// `sqliteCount` reads the SQLite original.
    static func copy(_ fixture: EngineFixture, _ configuration: EngineConfiguration) async throws
        -> (engine: Engine, store: PostgresStore, server: PostgresServer, database: String)
    {
        let engine = try await fixture.engine(configuration, on: .postgres)
        let copy = try await fixture.postgresCopy()
        return (engine, copy.store, copy.server, copy.database)
    }

    static func sqliteCount(_ fixture: EngineFixture, _ sql: String) throws -> Int {
        try fixture.store.database.read { try Int.fetchOne($0, sql: sql)! }
    }

    /// `external id|status|reason|coupon|variant` per send row, sorted: SQLite's, then the same
    /// query on PostgreSQL.
    static let sendRowsSQL = """
        SELECT c.external_id || '|' || s.status || '|' || coalesce(s.reason, '') || '|' || coalesce(s.coupon, '') || '|'
               || coalesce(s.variant, '') AS line
        FROM send s JOIN customer c ON c.id = s.customer_id ORDER BY 1
        """
    static func sqliteLines(_ fixture: EngineFixture, _ sql: String) throws -> [String] {
        try fixture.rows(sql).map { $0["line"] as String }
    }
    static func postgresLines(_ server: PostgresServer, _ database: String, _ sql: String) throws -> [String] {
        try server.psql(sql, database: database).split(separator: "\n").map(String.init)
    }
    /// The one value `sql` selects on PostgreSQL, as text.
    static func postgresValue(_ server: PostgresServer, _ database: String, _ sql: String) throws -> String {
        try server.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    /// `code|external id of its send` per code, sorted.
    static let couponsSQL = """
        SELECT k.code || '|' || coalesce(c.external_id, '') AS line
        FROM coupon k LEFT JOIN send s ON s.coupon = k.code LEFT JOIN customer c ON c.id = s.customer_id ORDER BY 1
        """

    /// Imports `lines` (`code,expires`) into both stores' pool WINBACK10 (the same summary).
    static func importCodes(_ lines: [String], into fixture: EngineFixture) async throws {
        let path = "\(fixture.directory)/codes-\(UUID().uuidString).csv"
        try (["code,expires"] + lines).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try await fixture.importCoupons(pool: "WINBACK10", path: path)
    }

    @Test("a pool with fewer codes than sends: earliest expiry first, never an expired code, no_coupon for the rest, then filled by later codes")
    func couponPool() async throws {
        let fixture = try EngineFixture()
        try fixture.customers(5)
        let configuration = try fixture.configuration(rules: CouponPoolTests.rules)
        let sqlite = try fixture.engine(configuration)
        let (postgres, _, server, database) = try await Self.copy(fixture, configuration)
        defer { fixture.closeLater() }
        // One code without an expiry, two with (the sooner one first), one expired: three to hand out.
        try await Self.importCodes(["LATE,2027-06-01", "NONE,", "SOON,2027-01-01", "OLD,2020-01-01"], into: fixture)
        func tickBoth(_ instant: Int64) async throws -> (Outbox.TickSummary, Outbox.TickSummary) {
            (try await sqlite.tick(at: instant), try await postgres.tick(at: instant))
        }
        func expectSame(_ summaries: (Outbox.TickSummary, Outbox.TickSummary), _ label: String) throws {
            let (onSQLite, onPostgres) = summaries
            #expect(onPostgres.recorded == onSQLite.recorded && onPostgres.unchanged == onSQLite.unchanged, "\(label)")
            #expect(onPostgres.recordedByRule == onSQLite.recordedByRule, "\(label)")
            #expect(onPostgres.coupons == onSQLite.coupons, "\(label): \(onSQLite.coupons) vs \(onPostgres.coupons)")
            // Which customers get the codes follows the evaluation's order, which SQLite's
            // parallel slices do not fix: compare how many rows of each kind, and which codes went out.
            let strip = { (line: String) -> String in
                var fields = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst()
                fields[3] = fields[3].isEmpty ? "" : "code"
                return fields.joined(separator: "|")
            }
            let sqliteRows = try Self.sqliteLines(fixture, Self.sendRowsSQL)
            let postgresRows = try Self.postgresLines(server, database, Self.sendRowsSQL)
            #expect(postgresRows.map(strip).sorted() == sqliteRows.map(strip).sorted(), "\(label): \(sqliteRows) vs \(postgresRows)")
            let codes = { (lines: [String]) in lines.map { $0.split(separator: "|", omittingEmptySubsequences: false) }.map { "\($0[0])|\($0[1].isEmpty ? "free" : "taken")" } }
            #expect(codes(try Self.postgresLines(server, database, Self.couponsSQL)) == codes(try Self.sqliteLines(fixture, Self.couponsSQL)), "\(label)")
            // Each code a send carries is one the pool's queue has moved past.
            let held = try Self.postgresValue(server, database,
                "SELECT count(*) FROM send s JOIN coupon k ON k.code = s.coupon WHERE NOT \(CouponPoolTests.free)")
            let carried = try Self.sqliteCount(fixture, "SELECT count(*) FROM send WHERE coupon IS NOT NULL")
            let debug = try Self.postgresLines(server, database, "SELECT code || '|' || place FROM coupon")
                + Self.postgresLines(server, database, "SELECT pool || '|' || handed_through FROM coupon_pool")
                + Self.postgresLines(server, database, "SELECT send_id || '|' || coalesce(coupon, '') || '|' || decided_at FROM send")
            #expect(held == "\(carried)", "\(label): \(debug)")
        }

        let t0 = sqlite.scheduledInstant(atOrBefore: fixture.clock.now())
        let first = try await tickBoth(t0)
        #expect(first.1.queued == 3 && first.1.recorded[.skipped] == 2)
        #expect(first.1.coupons["WINBACK10"] == CouponUse(taken: 3, left: 0, ranOut: true))
        try expectSame(first, "first tick")
        #expect(try Self.postgresLines(server, database, Self.couponsSQL).filter { !$0.hasSuffix("|") }.map { $0.prefix { $0 != "|" } }
            == ["LATE", "NONE", "SOON"])
        #expect(try Self.postgresLines(server, database, "SELECT count(*) FROM send WHERE reason = 'no_coupon' AND due_at IS NULL") == ["2"])

        // The pool empty, nothing changes: the queued rows stay, the skips stay skips.
        let empty = try await tickBoth(t0 + 300)
        #expect(empty.1.unchanged == 2 && empty.1.recorded.values.reduce(0, +) == 0)
        #expect(empty.1.coupons["WINBACK10"] == CouponUse(taken: 0, left: 0, ranOut: true))
        try expectSame(empty, "empty pool")
        // Three codes more: the two skipped sends take the two that expire first (no expiry
        // first), in the same window.
        try await Self.importCodes(["MORE-3,2027-09-01", "MORE-2,2027-03-01", "MORE-1,"], into: fixture)
        let filled = try await tickBoth(t0 + 600)
        // (The three queued customers are limited, not decided again.)
        #expect(filled.1.queued == 2 && filled.1.recorded.count == 1 && filled.1.unchanged == 0, "\(filled.1.recorded) \(filled.1.unchanged)")
        #expect(filled.1.coupons["WINBACK10"] == CouponUse(taken: 2, left: 1, ranOut: false))
        try expectSame(filled, "filled")
        #expect(try Self.postgresLines(server, database, "SELECT code FROM coupon k WHERE NOT EXISTS (SELECT 1 FROM send s WHERE s.coupon = k.code) ORDER BY 1")
            == ["MORE-3", "OLD"])
        #expect(try Self.postgresLines(server, database, "SELECT count(*) FROM send WHERE status = 'queued' AND coupon IS NOT NULL") == ["5"])
        // Dispatch from PostgreSQL delivers each message with its own code.
        fixture.clock.advance(600)
        #expect(try await postgres.dispatchDue().sent == 5)
        #expect(Set(fixture.email.deliveries.compactMap(\.message.coupon)) == ["LATE", "NONE", "SOON", "MORE-1", "MORE-2"])
    }

    @Test("two daemons ticking at once for the last code: one send gets it, the other is no_coupon")
    func raceForTheLastCode() async throws {
        let fixture = try EngineFixture()
        try fixture.customers(2)
        let configuration = try fixture.configuration(rules: CouponPoolTests.rules)
        let (first, _, server, database) = try await Self.copy(fixture, configuration)
        defer { fixture.closeLater() }
        try await Self.importCodes(["LAST,"], into: fixture)
        let second = try await fixture.engine(configuration, on: .postgres)
        let instant = first.scheduledInstant(atOrBefore: fixture.clock.now())
        for offset in [Int64(0), 300, 600] {
            async let one = first.tick(at: instant + offset)
            async let two = second.tick(at: instant + offset)
            let summaries = try await [one, two]
            // Whether the second waited out the first or found its lock taken, only one recorded.
            #expect(summaries.map(\.queued).reduce(0, +) == (offset == 0 ? 1 : 0))
        }
        #expect(try server.psql("SELECT status || '|' || coalesce(reason, '') || '|' || coalesce(coupon, '') FROM send ORDER BY 1", database: database)
            .split(separator: "\n") == ["queued||LAST", "skipped|no_coupon|"])
        #expect(try Self.postgresValue(server, database, "SELECT count(*) FROM coupon k JOIN send s ON s.coupon = k.code WHERE k.code = 'LAST' AND NOT \(CouponPoolTests.free)") == "1")
    }

    @Test("14 % against 10 % over 4,000 customers: both stores decide the same winner with the same figures, and new sends go to it")
    func plantedWinner() async throws {
        let fixture = try EngineFixture()
        try fixture.customers(4_000)
        let configuration = try fixture.configuration(rules: VariantScenarioTests.rules)
        let sqlite = try fixture.engine(configuration)
        let t0 = sqlite.scheduledInstant(atOrBefore: fixture.clock.now())
        #expect(try await sqlite.tick(at: t0).queued == 4_000)
        let split = try VariantScenarioTests().variants(fixture)
        let a = split.filter { $0.value == "winback-a" }.keys.sorted()
        let b = split.filter { $0.value == "winback-b" }.keys.sorted()
        let planted = try StoreFixture(store: fixture.store)
        let buyers = a.enumerated().filter { $0.offset % 100 < 14 }.map(\.element) + b.enumerated().filter { $0.offset % 100 < 10 }.map(\.element)
        try planted.purchases(buyers.map { StoreFixture.Purchase($0, order: "w-\($0)", at: t0 + 3 * 86_400, amountMinor: 2500) })
        let (postgres, store, server, database) = try await Self.copy(fixture, configuration)
        defer { fixture.closeLater() }

        // Before the windows end neither store decides.
        _ = try await sqlite.tick(at: t0 + 13 * 86_400)
        _ = try await postgres.tick(at: t0 + 13 * 86_400)
        #expect(try await store.variantWinners().isEmpty && fixture.store.variantWinners().isEmpty)
        // Customers who arrive now, in both stores (the fixture writes to its copy too).
        try VariantScenarioTests().addCustomers(4_001...4_200, to: fixture)
        #expect(try Self.postgresValue(server, database, "SELECT count(*) FROM customer WHERE id > 4000 AND external_id = 'C' || id") == "200")

        let decidedAt = t0 + 14 * 86_400 + 300
        let summaries = (try await sqlite.tick(at: decidedAt), try await postgres.tick(at: decidedAt))
        #expect(summaries.0.queued == 200 && summaries.1.queued == 200)
        let onSQLite = try #require(try fixture.store.variantWinners().first)
        let onPostgres = try #require(try await store.variantWinners().first)
        #expect(onSQLite.variant == "winback-a" && onSQLite.decidedAt == decidedAt)
        #expect(onPostgres == onSQLite, "\(onSQLite.figures)\n\(onPostgres.figures)")
        // Every new send went to the winner, in both stores; earlier rows keep their variants.
        let lines = try Self.sqliteLines(fixture, Self.sendRowsSQL)
        #expect(try Self.postgresLines(server, database, Self.sendRowsSQL) == lines)
        #expect(lines.filter { Int($0.dropFirst().prefix { $0 != "|" })! > 4_000 }.allSatisfy { $0.hasSuffix("|winback-a") })
        #expect(lines.filter { $0.hasSuffix("|winback-b") }.count == b.count)

        // "b" overtakes: the recorded winner stays.
        _ = try server.psql(
            """
            INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency)
                SELECT c.id, 'late-' || c.external_id, \(t0 + 4 * 86_400), 2500, 'EUR'
                FROM customer c JOIN send s ON s.customer_id = c.id WHERE s.variant = 'winback-b';
            """, database: database)
        _ = try await postgres.tick(at: decidedAt + 600)
        #expect(try await store.variantWinners() == [onPostgres])
    }

    @Test("segment transitions: the same baseline, the same entered and left sends, the same membership history; dropped when no rule reads them")
    func transitions() async throws {
        let fixture = try EngineFixture(now: "2026-11-20T10:00:00Z")
        try fixture.customers(6)
        // C1 a member from the start; C2 enters after the first tick, C3 a few days later; C1
        // leaves when its purchase is 30 days old.
        let history = try StoreFixture(store: fixture.store)
        for (customer, at) in [("C1", "2026-11-01T12:00:00Z"), ("C2", "2026-11-20T10:01:00Z"), ("C3", "2026-11-25T08:00:00Z")] {
            try history.purchases([StoreFixture.Purchase(customer, at: EngineFixture.time(at), amountMinor: 6000)])
        }
        let configuration = try fixture.configuration(rules: TransitionTickTests.rules)
        let sqlite = try fixture.engine(configuration)
        let (postgres, _, server, database) = try await Self.copy(fixture, configuration)
        defer { fixture.closeLater() }
        let membershipSQL = """
            SELECT m.segment || '|' || c.external_id || '|' || m.entered_at || '|' || coalesce(CAST(m.left_at AS text), '') AS line
            FROM segment_membership m JOIN customer c ON c.id = m.customer_id ORDER BY 1
            """
        let t0 = sqlite.scheduledInstant(atOrBefore: fixture.clock.now())
        let instants = [t0, t0 + 300, t0 + 600, EngineFixture.time("2026-11-25T09:00:00Z"), EngineFixture.time("2026-12-01T13:00:00Z"),
                        EngineFixture.time("2026-12-01T13:00:00Z"), EngineFixture.time("2026-12-02T13:00:00Z")]
        var updates: [[String: SegmentMembershipWriter.Update]] = []
        for instant in instants {
            let (onSQLite, onPostgres) = (try await sqlite.tick(at: instant), try await postgres.tick(at: instant))
            #expect(onPostgres.membership == onSQLite.membership, "\(instant)")
            #expect(onPostgres.recordedByRule == onSQLite.recordedByRule && onPostgres.unchanged == onSQLite.unchanged, "\(instant)")
            updates.append(onPostgres.membership)
        }
        #expect(updates.map { $0["key"] } == [
            .baseline(members: 1), .changed(entered: 1, left: 0), .changed(entered: 0, left: 0), .changed(entered: 1, left: 0),
            .changed(entered: 0, left: 1), .stale, .changed(entered: 0, left: 0),
        ])
        let sends = "SELECT s.rule || '|' || c.external_id || '|' || s.status AS line FROM send s JOIN customer c ON c.id = s.customer_id ORDER BY 1"
        #expect(try Self.sqliteLines(fixture, sends) == ["lapsed-key|C1|queued", "new-key|C2|queued", "new-key|C3|queued"])
        #expect(try Self.postgresLines(server, database, sends) == Self.sqliteLines(fixture, sends))
        #expect(try Self.postgresLines(server, database, membershipSQL) == Self.sqliteLines(fixture, membershipSQL))

        // Rules that read no transitions: the next tick drops the history, in both stores.
        let plain = try fixture.configuration(rules: #"rule "r" { when orders >= 5  send email "x"  limit once }"#)
        let plainOnPostgres = try await fixture.engine(plain, on: .postgres)
        _ = try await fixture.engine(plain).tick(at: EngineFixture.time("2026-12-03T13:00:00Z"))
        _ = try await plainOnPostgres.tick(at: EngineFixture.time("2026-12-03T13:00:00Z"))
        #expect(try Self.sqliteCount(fixture, "SELECT count(*) FROM segment_tracking") == 0)
        #expect(try Self.postgresValue(server, database, "SELECT count(*) FROM segment_tracking") == "0")
        #expect(try Self.postgresValue(server, database, "SELECT count(*) FROM segment_membership") == "0")
    }
}
