@testable import CustomerStore
import Evaluation
import Foundation
import GRDB
import PostgresStore
import RuleLanguage
import Testing
import TestSupport

/// The evaluator against hand-written SQL over the raw history tables (never the facts the
/// evaluator reads), on 100,000 generated customers and 600,000 purchases, at an instant after
/// all data and at one in the middle of it; the evaluation on either store, the hand-written SQL
/// on the SQLite store the PostgreSQL one is a copy of.
@Suite("Evaluation against hand-written SQL")
struct IndependentCheckTests {
    static let end = 1_795_132_800  // 2026-11-20T00:00:00Z
    static let customers = 100_000

    static let rules = """
        segment occasional = orders >= 1 and orders in last 365 days < 3
        segment key = spent in last 365 days >= 600
        rule "winback" { when no purchase in last 90 days and orders >= 2 and consent email  send email "x"  limit once }
        rule "occasional" { when occasional and consent email  send email "x"  limit once }
        rule "key" { when key and consent letter  send letter "x"  limit once }
        rule "detractor" { when nps <= 6 and feedback in last 7 days  send webhook "x"  limit once }
        rule "cart" { when event "cart_abandoned" in last 2 days and no purchase in last 2 days and consent email  send email "x"  limit once }
        rule "birthday" { when birthday in 0 days and orders >= 1  send email "x"  limit once }
        rule "mixed" {
          when (city in ("Helsinki", "Turku") and attribute "tier" = "gold")
            or (attribute "size" >= 45 and spent in last 90 days > 300.50)
            or days since first purchase = 100
          send email "x"
          limit once
        }
        """

    /// The same audiences written by hand from the definitions in docs/rules.md. `?1` is now.
    static let handWritten: [String: String] = [
        "winback": """
            SELECT c.external_id FROM customer c
            WHERE NOT EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id AND p.at BETWEEN ?1 - 90 * 86400 AND ?1)
              AND (SELECT count(*) FROM purchase p WHERE p.customer_id = c.id AND p.at <= ?1) >= 2
              AND \(consent("email"))
            """,
        "occasional": """
            SELECT c.external_id FROM customer c
            WHERE (SELECT count(*) FROM purchase p WHERE p.customer_id = c.id AND p.at <= ?1) >= 1
              AND (SELECT count(*) FROM purchase p WHERE p.customer_id = c.id AND p.at BETWEEN ?1 - 365 * 86400 AND ?1) < 3
              AND \(consent("email"))
            """,
        "key": """
            SELECT c.external_id FROM customer c
            WHERE (SELECT coalesce(sum(amount_minor), 0) FROM purchase p WHERE p.customer_id = c.id AND p.at BETWEEN ?1 - 365 * 86400 AND ?1) >= 60000
              AND \(consent("letter"))
            """,
        "detractor": """
            SELECT c.external_id FROM customer c
            WHERE (SELECT score FROM feedback WHERE customer_id = c.id AND kind = 'nps' AND at <= ?1 ORDER BY at DESC LIMIT 1) <= 6
              AND EXISTS (SELECT 1 FROM feedback WHERE customer_id = c.id AND at BETWEEN ?1 - 7 * 86400 AND ?1)
            """,
        "cart": """
            SELECT c.external_id FROM customer c
            WHERE EXISTS (SELECT 1 FROM event e WHERE e.customer_id = c.id AND e.name = 'cart_abandoned' AND e.at BETWEEN ?1 - 2 * 86400 AND ?1)
              AND NOT EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id AND p.at BETWEEN ?1 - 2 * 86400 AND ?1)
              AND \(consent("email"))
            """,
        "birthday": """
            SELECT external_id FROM (
              SELECT c.external_id, c.id AS cid, substr(c.birthday, 6) AS md,
                     strftime('%m-%d', ?1 + CASE c.time_zone WHEN 'Pacific/Kiritimati' THEN 50400 WHEN 'Pacific/Honolulu' THEN -36000 ELSE 0 END, 'unixepoch') AS today,
                     CAST(strftime('%Y', ?1 + CASE c.time_zone WHEN 'Pacific/Kiritimati' THEN 50400 WHEN 'Pacific/Honolulu' THEN -36000 ELSE 0 END, 'unixepoch') AS INTEGER) AS year
              FROM customer c WHERE c.birthday IS NOT NULL)
            WHERE (md = today OR (md = '02-29' AND today = '02-28' AND NOT ((year % 4 = 0 AND year % 100 <> 0) OR year % 400 = 0)))
              AND (SELECT count(*) FROM purchase p WHERE p.customer_id = cid AND p.at <= ?1) >= 1
            """,
        "mixed": """
            SELECT c.external_id FROM customer c
            WHERE (c.city IN ('Helsinki', 'Turku') AND json_extract(c.attributes, '$.tier') = 'gold')
               OR (CAST(json_extract(c.attributes, '$.size') AS INTEGER) >= 45
                   AND (SELECT coalesce(sum(amount_minor), 0) FROM purchase p WHERE p.customer_id = c.id AND p.at BETWEEN ?1 - 90 * 86400 AND ?1) > 30050)
               OR (?1 - (SELECT min(at) FROM purchase p WHERE p.customer_id = c.id AND p.at <= ?1)) / 86400 = 100
            """,
    ]

    /// The latest consent at `?1` is a grant (a withdrawal wins a tie) and the address is not suppressed.
    static func consent(_ channel: String) -> String {
        let address = channel == "email" ? "lower(trim(c.email))" : "lower(trim(c.street) || '|' || trim(c.postal_code) || '|' || trim(c.country))"
        return """
            (SELECT status FROM consent WHERE customer_id = c.id AND channel = '\(channel)' AND at <= ?1
               ORDER BY at DESC, status = 'withdrawn' DESC LIMIT 1) = 'granted'
              AND NOT EXISTS (SELECT 1 FROM suppression s WHERE s.channel = '\(channel)' AND s.address = \(address) AND s.at <= ?1)
            """
    }

    /// One filled store, shared by the tests of this suite (filling takes a while in a debug build).
    static let filled: Result<EvaluationFixture, FixtureError> = {
        do {
            let fixture = try EvaluationFixture()
            try fixture.store.database.write { try $0.execute(sql: fillSQL(postgres: false)) }
            return .success(fixture)
        } catch {
            return .failure(FixtureError(message: "\(error)"))
        }
    }()

    /// The filled store's twin on PostgreSQL: the same rows written by the same SQL in
    /// PostgreSQL's spelling (copying its 900,000 rows through a debug build would take minutes),
    /// checked against the SQLite store by every table's count, the facts' totals and a sum over
    /// the customer columns the rules read.
    static let postgres = Task { () throws -> PostgresStore in
        let sqlite = try filled.get().store
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let store = try await PostgresStore(
            PostgresStore.Location(
                host: server.host, port: server.port, user: server.user, database: database, poolSize: 4, connectTimeout: .seconds(900)))
        _ = try server.psql(fillSQL(postgres: true), database: database)
        let export = try sqlite.export()
        let customers = try await sqlite.database.read { try Int64.fetchOne($0, sql: customerColumnsSQL) }
        let copied = try await store.inSnapshot { try await $0.rows(customerColumnsSQL)[0][0].int64 }
        guard try await store.counts() == export.counts(), try await store.factsTotals() == export.factsTotals(), customers == copied else {
            throw FixtureError(message: "the PostgreSQL fill differs from the SQLite one")
        }
        return store
    }

    /// A sum over the customer columns the rules read, the same text on both stores.
    static let customerColumnsSQL = """
        SELECT sum(length(coalesce(email, '')) + length(coalesce(street, '')) + length(coalesce(city, ''))
            + length(coalesce(time_zone, '')) + coalesce(CAST(substr(birthday, 1, 4) AS INTEGER) * 10000
            + CAST(substr(birthday, 6, 2) AS INTEGER) * 100 + CAST(substr(birthday, 9, 2) AS INTEGER), 0))
        FROM customer
        """

    /// Deterministic pseudo-random data, written with SQL so the test does not depend on the
    /// importer; in SQLite's or PostgreSQL's spelling, the same rows.
    static func fillSQL(postgres: Bool) -> String {
        // A quadratic hash modulo a prime: consecutive inputs scatter (a linear one would give
        // every customer exactly six purchases). 64-bit integers on both stores.
        func h(_ x: String) -> String {
            "(((((\(x)) * 2654435761) % 2147483647) * (((\(x)) * 40503 + 7) % 2147483647)) % 2147483647)"
        }
        /// `select` over `n(name)` for 1 … count.
        func numbered(_ name: String, upTo count: Int, _ insert: String, _ select: String) -> String {
            postgres
                ? "\(insert)\n\(select)\nFROM generate_series(1::bigint, \(count)) AS n(\(name));"
                : "WITH RECURSIVE n(\(name)) AS (SELECT 1 UNION ALL SELECT \(name) + 1 FROM n WHERE \(name) < \(count))\n\(insert)\n\(select)\nFROM n;"
        }
        let birthday = postgres
            ? "to_char(date '1960-01-01' + CAST(\(h("i * 11")) % 18000 AS integer), 'YYYY-MM-DD')"
            : "date(julianday('1960-01-01') + \(h("i * 11")) % 18000)"
        let tier = "CASE \(h("i * 17")) % 3 WHEN 0 THEN 'gold' WHEN 1 THEN 'silver' ELSE 'bronze' END"
        let size = "CAST(\(h("i * 19")) % 20 + 30 AS TEXT)"
        let attributes = postgres ? "json_build_object('tier', \(tier), 'size', \(size))" : "json_object('tier', \(tier), 'size', \(size))"
        let customers = numbered(
            "i", upTo: customers,
            "INSERT INTO customer(id, external_id, email, name, street, postal_code, city, country, birthday, time_zone, attributes)",
            """
            SELECT i, 'C' || i,
                   CASE WHEN \(h("i")) % 50 = 0 THEN NULL ELSE 'c' || i || '@example.fi' END,
                   'Name ' || i,
                   CASE WHEN \(h("i * 3")) % 20 = 0 THEN NULL ELSE 'Katu ' || i END, '00100',
                   CASE \(h("i * 5")) % 4 WHEN 0 THEN 'Helsinki' WHEN 1 THEN 'Turku' WHEN 2 THEN 'Tampere' ELSE NULL END,
                   'FI',
                   CASE WHEN \(h("i * 7")) % 30 = 0 THEN NULL ELSE \(birthday) END,
                   CASE \(h("i * 13")) % 10 WHEN 0 THEN 'Pacific/Kiritimati' WHEN 1 THEN 'Pacific/Honolulu' ELSE NULL END,
                   \(attributes)
            """)
        let purchases = numbered(
            "k", upTo: Self.customers * 6, "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency)",
            "SELECT \(h("k")) % \(Self.customers) + 1, 'O' || k, \(end) - \(h("k * 23")) % (730 * 86400), \(h("k * 29")) % 30000 + 100, 'EUR'")
        return customers + "\n" + purchases + "\n" + """
            INSERT INTO consent(customer_id, channel, status, at)
            SELECT id, 'email', 'granted', \(end) - 700 * 86400 FROM customer WHERE \(h("id * 31")) % 10 < 8;
            INSERT INTO consent(customer_id, channel, status, at)
            SELECT id, 'email', 'withdrawn', \(end) - \(h("id * 37")) % (400 * 86400) FROM customer WHERE \(h("id * 41")) % 10 = 0;
            INSERT INTO consent(customer_id, channel, status, at)
            SELECT id, 'letter', 'granted', \(end) - \(h("id * 43")) % (600 * 86400) FROM customer WHERE \(h("id * 47")) % 10 < 4;
            INSERT INTO feedback(customer_id, kind, score, at)
            SELECT id, 'nps', \(h("id * 53")) % 11, \(end) - \(h("id * 59")) % (300 * 86400) FROM customer WHERE \(h("id * 61")) % 5 = 0;
            INSERT INTO feedback(customer_id, kind, score, at)
            SELECT id, 'nps', \(h("id * 67")) % 11, \(end) - \(h("id * 71")) % (20 * 86400) FROM customer WHERE \(h("id * 73")) % 10 = 0;
            INSERT INTO feedback(customer_id, kind, score, at)
            SELECT id, 'csat', \(h("id * 79")) % 5 + 1, \(end) - \(h("id * 83")) % (20 * 86400) FROM customer WHERE \(h("id * 89")) % 10 = 0;
            INSERT INTO event(customer_id, name, at)
            SELECT id, 'cart_abandoned', \(end) - \(h("id * 97")) % (250 * 86400) FROM customer WHERE \(h("id * 101")) % 4 = 0;
            INSERT INTO suppression(channel, address, reason, at)
            SELECT 'email', lower(email), 'unsubscribed', \(end) - \(h("id * 103")) % (400 * 86400) FROM customer
            WHERE email IS NOT NULL AND \(h("id * 107")) % 50 = 0;
            INSERT INTO suppression(channel, address, reason, at)
            SELECT 'letter', lower(trim(street) || '|' || trim(postal_code) || '|' || trim(country)), 'manual', 0 FROM customer
            WHERE street IS NOT NULL AND \(h("id * 109")) % 40 = 0;
            """
    }

    /// `Self.filled` reading `kind`: on PostgreSQL, its twin `Self.postgres`.
    static func filled(on kind: StoreKind) async throws -> EvaluationFixture {
        var fixture = try filled.get()
        fixture.kind = kind
        if kind == .postgres { try await fixture.mirror.adopt(postgres.value, as: fixture.store) }
        return fixture
    }

    @Test("matched audiences equal hand-written SQL over the raw tables, now and in the past", arguments: StoreKind.allCases)
    func audiencesMatch(on kind: StoreKind) async throws {
        var fixture = try await Self.filled(on: kind)
        fixture.businessTimeZone = TimeZone(identifier: "UTC")!
        let ruleSet = try fixture.ruleSet(Self.rules)
        for now in [Int64(Self.end) + 3600, Int64(Self.end) - 200 * 86_400 + 13 * 3600] {
            var settings = fixture.settings(at: "2026-11-20")
            settings.now = now
            let matched = try await fixture.evaluate(ruleSet, settings: settings).decisions.mapValues { Set($0.map(\.externalID)) }
            try await fixture.store.database.read { db in
                for rule in ruleSet.rules {
                    let expected = try Set(String.fetchAll(db, sql: Self.handWritten[rule.name]!, arguments: [now]))
                    let actual = matched[rule.name] ?? []
                    #expect(expected.count >= 20, "\(rule.name) at \(now): only \(expected.count) customers; the data should exercise it")
                    #expect(expected.count < Self.customers / 2, "\(rule.name) at \(now): \(expected.count)")
                    #expect(actual == expected, """
                        \(rule.name) at \(now): \(actual.count) matched, hand-written SQL \(expected.count); \
                        only evaluator: \(actual.subtracting(expected).sorted().prefix(5)), only SQL: \(expected.subtracting(actual).sorted().prefix(5))
                        """)
                }
            }
        }
    }

    @Test("plan on several threads or connections gives exactly the tallies of one evaluation", arguments: StoreKind.allCases)
    func parallelSlices(on kind: StoreKind) async throws {
        var fixture = try await Self.filled(on: kind)
        fixture.businessTimeZone = TimeZone(identifier: "UTC")!
        fixture.contactPressure = (messages: 1, days: 7)
        let ruleSet = try fixture.ruleSet(Self.rules)
        var settings = fixture.settings(at: "2026-11-20")
        settings.sampleSize = 7
        let evaluation = try await fixture.evaluate(ruleSet, settings: settings)
        let single = ruleSet.rules.compactMap { evaluation.tallies[$0.name] }
        #expect(single.count == ruleSet.rules.count)
        #expect(single.contains { ($0.skipped[.capped] ?? 0) > 0 }, "the cap should be exercised")
        // SQLite: slices of the customers; PostgreSQL: connections reading the rules' audiences
        // at once (never more than its store's pool of 4).
        for threads in [2, 3, 5] {
            let parallel = try await fixture.plan(ruleSet, settings: settings, threads: threads)
            #expect(parallel.map(\.rule) == single.map(\.rule))
            for (a, b) in zip(parallel, single) {
                #expect(a.matched == b.matched && a.wouldSend == b.wouldSend && a.skipped == b.skipped && a.sample == b.sample, "\(a.rule), \(threads) threads")
            }
        }
    }

    @Test("SQLite's slices stream every decision to the writer, which commits them in the same transaction")
    func slicesStreamToTheWriter() throws {
        // A store of its own: the others read the shared one and its PostgreSQL twin.
        var fixture = try EvaluationFixture()
        try fixture.store.database.write { try $0.execute(sql: Self.fillSQL(postgres: false)) }
        fixture.businessTimeZone = TimeZone(identifier: "UTC")!
        fixture.contactPressure = (messages: 1, days: 7)
        let ruleSet = try fixture.ruleSet(Self.rules)
        var settings = fixture.settings(at: "2026-11-20")
        settings.sampleSize = 7
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings)
        let tallies = try ParallelEvaluator(evaluator: evaluator, slices: 3).evaluate(in: fixture.store) { writer, stream in
            var n = 0
            while let batch = stream.next() {
                for (rule, decision) in batch {
                    n += 1
                    _ = try writer.record(
                        SendDecision(
                            sendID: "test-\(n)", rule: rule, ruleHash: "h", customerID: decision.customerID, channel: "email",
                            target: "t", windowKey: 0, decidedAt: 0, status: .skipped, reason: "test", evidence: "{}", dueAt: nil))
                }
            }
        }
        let written = try fixture.store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM send")! }
        #expect(written == tallies.reduce(0) { $0 + $1.matched } && written > 1000)
    }
}
