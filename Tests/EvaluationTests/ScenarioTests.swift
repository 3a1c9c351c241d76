@testable import CustomerStore
import Evaluation
import Foundation
import RuleLanguage
import Testing
import TestSupport

/// Hand-written histories, a rule file, one instant, and the exact expected outcome.
@Suite("Evaluation scenarios")
struct ScenarioTests {
    static let rules = """
        rule "winback" {
          when no purchase in last 90 days and orders >= 2 and consent email
          send email "winback"
          limit once per 180 days
        }
        rule "lapsed" {
          when no purchase in last 60 days and orders >= 1
          send email "lapsed"
          limit once per 30 days
        }
        rule "key-letter" {
          when spent in last 365 days >= 2000
          send letter "thanks"
          limit once per 365 days
        }
        rule "detractor" {
          when nps <= 6 and feedback in last 2 days
          send webhook "crm"
          limit once per 30 days
        }
        """

    @Test("a handful of customers give exactly the expected plan", arguments: StoreKind.allCases)
    func exactPlan(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let now = "2026-11-20T12:00:00Z"
        let a = try fx.customer("A")
        try fx.purchase(a, at: "2026-07-20T12:00:00Z")
        try fx.purchase(a, at: "2026-08-10T12:00:00Z")
        let b = try fx.customer("B")
        try fx.purchase(b, at: "2026-07-20T12:00:00Z")
        try fx.purchase(b, at: "2026-11-10T12:00:00Z")
        let c = try fx.customer("C")
        try fx.purchase(c, at: "2026-07-20T12:00:00Z")
        try fx.purchase(c, at: "2026-08-10T12:00:00Z")
        try fx.consent(c, .email, granted: false, at: "2026-11-15T12:00:00Z")
        let f = try fx.customer("F", email: "F@Example.fi")
        try fx.purchase(f, at: "2026-07-20T12:00:00Z")
        try fx.suppress(.email, "f@example.fi")
        let g = try fx.customerWrittenOutside("G", email: "")
        try fx.purchase(g, at: "2026-07-20T12:00:00Z")
        let h = try fx.customer("H")
        try fx.purchase(h, at: "2026-06-20T12:00:00Z")
        try fx.purchase(h, at: "2026-07-20T12:00:00Z")
        try fx.sent("winback", to: h, at: "2026-10-21T12:00:00Z")
        try fx.sent("lapsed", to: h, at: "2026-09-01T12:00:00Z")
        let i = try fx.customer("I", emailConsent: false)
        try fx.purchase(i, at: "2026-10-01T12:00:00Z", amount: 250_000)
        try fx.consent(i, .letter, granted: true, at: "2026-01-01")
        let j = try fx.customer("J", street: nil, emailConsent: false)
        try fx.purchase(j, at: "2026-10-01T12:00:00Z", amount: 200_000)
        try fx.consent(j, .letter, granted: true, at: "2026-01-01")
        let d = try fx.customer("D")
        try fx.feedback(d, "nps", score: 3, at: "2026-11-19T12:00:00Z")
        let e = try fx.customer("E")
        try fx.feedback(e, "nps", score: 6, at: "2026-11-19T12:00:00Z")
        try fx.consent(e, .webhook, granted: true, at: "2026-01-01")
        let k = try fx.customer("K")
        try fx.feedback(k, "nps", score: 9, at: "2026-11-19T12:00:00Z")
        try fx.consent(k, .webhook, granted: true, at: "2026-01-01")
        // A webhook is a service message: no consent record is needed, but a withdrawal blocks it.
        let w = try fx.customer("W")
        try fx.feedback(w, "nps", score: 2, at: "2026-11-19T12:00:00Z")
        try fx.consent(w, .webhook, granted: false, at: "2026-11-01T12:00:00Z")

        let result = try await fx.evaluate(Self.rules, at: now)
        #expect(result.verdicts("winback") == ["A": .send, "H": .skip(.limit)])
        #expect(result.verdicts("lapsed") == [
            "A": .send, "C": .skip(.noConsent), "F": .skip(.suppressed), "G": .skip(.missingAddress), "H": .send,
        ])
        #expect(result.verdicts("key-letter") == ["I": .send, "J": .skip(.missingAddress)])
        #expect(result.verdicts("detractor") == ["D": .send, "E": .send, "W": .skip(.consentWithdrawn)])
        let lapsed = try #require(result.tallies["lapsed"])
        #expect(lapsed.matched == 5 && lapsed.wouldSend == 2)
        #expect(lapsed.skipped == [.noConsent: 1, .suppressed: 1, .missingAddress: 1])
        #expect(lapsed.sample == ["A", "H"])
    }

    @Test("plan --json has the documented, stable fields", arguments: StoreKind.allCases)
    func planJSON(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let a = try fx.customer("A")
        try fx.purchase(a, at: "2026-01-01")
        try fx.purchase(a, at: "2026-02-01")
        let ruleSet = try fx.ruleSet(Self.rules)
        let tallies = try await fx.plan(ruleSet, settings: fx.settings(at: "2026-11-20"))
        let report = PlanReport(at: fx.time("2026-11-20"), timeZone: fx.businessTimeZone, tallies: tallies, ruleSet: ruleSet)
        let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
        #expect(Set(json.keys) == ["at", "time_zone", "rules", "totals"])
        #expect(json["at"] as? String == "2026-11-19T22:00:00Z")
        let rules = json["rules"] as! [[String: Any]]
        #expect(rules.map { $0["rule"] as! String } == ["winback", "lapsed", "key-letter", "detractor"])
        #expect(Set(rules[0].keys) == [
            "rule", "description", "file", "content_hash", "channel", "target", "priority", "active", "matched",
            "would_send", "skipped", "sample",
        ] || Set(rules[0].keys) == [
            "rule", "file", "content_hash", "channel", "target", "priority", "active", "matched", "would_send", "skipped",
            "sample",
        ])
        #expect(Set((rules[0]["skipped"] as! [String: Int]).keys) == Set(SkipReason.allCases.map(\.rawValue)))
        #expect(rules[0]["would_send"] as? Int == 1)
        #expect((json["totals"] as! [String: Int]) == ["matched": 2, "would_send": 2])
    }

    @Test("a purchase exactly N×24 h ago is in the window; one second earlier is not", arguments: StoreKind.allCases)
    func windowBoundary(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let inside = try fx.customer("IN")
        try fx.purchase(inside, at: "2026-08-22T12:00:00Z")  // now − 90 × 24 h
        let outside = try fx.customer("OUT")
        try fx.purchase(outside, at: "2026-08-22T11:59:59Z")
        let rules = """
            rule "recent" { when purchase in last 90 days  send email "x"  limit once }
            rule "count"  { when orders in last 90 days >= 1  send email "x"  limit once }
            rule "days"   { when days since last purchase >= 90  send email "x"  limit once }
            """
        let result = try await fx.evaluate(rules, at: "2026-11-20T12:00:00Z")
        #expect(result.matched("recent") == ["IN"])
        #expect(result.matched("count") == ["IN"])
        #expect(result.matched("days") == ["IN", "OUT"])
        let later = try await fx.evaluate(rules, at: "2026-11-20T12:00:01Z")
        #expect(later.matched("recent").isEmpty)
    }

    @Test("29 February birthdays fall on 28 February in other years, on the 29th in leap years", arguments: StoreKind.allCases)
    func leapDayBirthday(on kind: StoreKind) async throws {
        var fx = try EvaluationFixture(on: kind)
        fx.businessTimeZone = TimeZone(identifier: "UTC")!
        try fx.customer("LEAP", birthday: "2000-02-29")
        try fx.customer("FEB28", birthday: "1990-02-28")
        try fx.customer("MAR1", birthday: "1990-03-01")
        let rules = #"rule "birthday" { when birthday in 0 days  send email "b"  limit once per 365 days }"#
        #expect(try await fx.evaluate(rules, at: "2027-02-28T12:00:00Z").matched("birthday") == ["LEAP", "FEB28"])
        #expect(try await fx.evaluate(rules, at: "2027-03-01T12:00:00Z").matched("birthday") == ["MAR1"])
        #expect(try await fx.evaluate(rules, at: "2028-02-28T12:00:00Z").matched("birthday") == ["FEB28"])
        #expect(try await fx.evaluate(rules, at: "2028-02-29T12:00:00Z").matched("birthday") == ["LEAP"])
        let ahead = #"rule "soon" { when birthday in 1 days  send email "b"  limit once per 365 days }"#
        #expect(try await fx.evaluate(ahead, at: "2027-02-27T12:00:00Z").matched("soon") == ["LEAP", "FEB28"])
    }

    @Test("birthdays are days in the customer's own time zone: UTC+14 and UTC−10 around midnight", arguments: StoreKind.allCases)
    func birthdayTimeZones(on kind: StoreKind) async throws {
        var fx = try EvaluationFixture(on: kind)
        fx.businessTimeZone = TimeZone(identifier: "UTC")!
        try fx.customer("KIRITIMATI-15", birthday: "1990-06-15", timeZone: "Pacific/Kiritimati")  // UTC+14
        try fx.customer("HONOLULU-14", birthday: "1990-06-14", timeZone: "Pacific/Honolulu")  // UTC−10
        try fx.customer("HONOLULU-15", birthday: "1990-06-15", timeZone: "Pacific/Honolulu")
        try fx.customer("UTC-14", birthday: "1990-06-14")
        try fx.customerWrittenOutside("BAD-ZONE-14", birthday: "1990-06-14", timeZone: "Not/AZone")
        let rules = #"rule "birthday" { when birthday in 0 days  send email "b"  limit once per 365 days }"#
        // 10:30 UTC on 14 June: 00:30 on the 15th in Kiritimati, 00:30 on the 14th in Honolulu.
        #expect(try await fx.evaluate(rules, at: "2026-06-14T10:30:00Z").matched("birthday")
            == ["KIRITIMATI-15", "HONOLULU-14", "UTC-14", "BAD-ZONE-14"])
        // 09:59 UTC: still the 14th in Kiritimati (23:59), the 13th in Honolulu (23:59).
        #expect(try await fx.evaluate(rules, at: "2026-06-14T09:59:00Z").matched("birthday") == ["UTC-14", "BAD-ZONE-14"])
        // 10:30 UTC on the 15th: the 16th in Kiritimati, the 15th in Honolulu.
        #expect(try await fx.evaluate(rules, at: "2026-06-15T10:30:00Z").matched("birthday") == ["HONOLULU-15"])
    }

    @Test("consent withdrawn after being granted: no consent now, consent at an instant before", arguments: StoreKind.allCases)
    func consentHistory(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let customer = try fx.customer("W", emailConsent: false)
        try fx.purchase(customer, at: "2026-01-01")
        try fx.consent(customer, .email, granted: true, at: "2026-03-01")
        try fx.consent(customer, .email, granted: false, at: "2026-06-01")
        let rules = """
            rule "with-consent" { when orders >= 1 and consent email  send email "x"  limit once }
            rule "without" { when orders >= 1  send email "x"  limit once }
            """
        let now = try await fx.evaluate(rules, at: "2026-11-20")
        #expect(now.matched("with-consent").isEmpty)
        #expect(now.verdicts("without") == ["W": .skip(.noConsent)])
        let before = try await fx.evaluate(rules, at: "2026-05-01")
        #expect(before.verdicts("with-consent") == ["W": .send])
        #expect(before.verdicts("without") == ["W": .send])
        // Granted again later: the latest record wins.
        try fx.consent(customer, .email, granted: true, at: "2026-09-01")
        #expect(try await fx.evaluate(rules, at: "2026-11-20").verdicts("without") == ["W": .send])
    }

    @Test("an instant in the past sees the store as it was: later purchases and scores do not count", arguments: StoreKind.allCases)
    func pastInstant(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let customer = try fx.customer("P")
        try fx.purchase(customer, at: "2026-01-10", amount: 1000)
        try fx.purchase(customer, at: "2026-05-10", amount: 2000)
        try fx.feedback(customer, "nps", score: 3, at: "2026-02-01")
        try fx.feedback(customer, "nps", score: 10, at: "2026-06-01")
        let rules = """
            rule "one-order" { when orders = 1 and spent = 10  send email "x"  limit once }
            rule "lapsed" { when no purchase in last 60 days and days since last purchase >= 60  send email "x"  limit once }
            rule "detractor" { when nps <= 6  send email "x"  limit once }
            rule "window" { when orders in last 365 days = 1 and spent in last 365 days = 10  send email "x"  limit once }
            """
        let march = try await fx.evaluate(rules, at: "2026-03-20")
        #expect(march.matched("one-order") == ["P"])
        #expect(march.matched("lapsed") == ["P"])
        #expect(march.matched("detractor") == ["P"])
        #expect(march.matched("window") == ["P"])
        let november = try await fx.evaluate(rules, at: "2026-11-20")
        #expect(november.matched("one-order").isEmpty)
        #expect(november.matched("detractor").isEmpty)
        #expect(november.matched("window").isEmpty)
        #expect(november.matched("lapsed") == ["P"])
    }

    @Test("holdout is stable across runs and about the right size over 10,000 customers", arguments: StoreKind.allCases)
    func holdout(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let ids = (1...10_000).map { "H\($0)" }
        try fx.fixture.customers(ids.map { StoreFixture.Customer($0, email: "\($0.lowercased())@example.fi") })
        try fx.fixture.consents(ids.map { StoreFixture.Consent($0, "email", at: 0) })
        let rules = """
            rule "ten" { when consent email  send email "x"  limit once  holdout 10% }
            rule "other" { when consent email  send email "x"  limit once  holdout 10% }
            """
        let first = try await fx.evaluate(rules, at: "2026-11-20")
        let second = try await fx.evaluate(rules, at: "2027-01-01")
        func heldOut(_ evaluation: EvaluationFixture.Evaluation, _ rule: String) -> Set<String> {
            Set(evaluation.verdicts(rule).filter { $0.value == .holdout }.keys)
        }
        let held = heldOut(first, "ten")
        #expect(held == heldOut(second, "ten"))
        // Binomial(10 000, 0.1): mean 1 000, standard deviation 30; ±4 σ.
        #expect((880...1120).contains(held.count), "held out: \(held.count)")
        #expect(first.tallies["ten"]?.skipped[.holdout] == held.count)
        #expect(first.tallies["ten"]?.wouldSend == 10_000 - held.count)
        // Another rule holds out other customers (independent hashes), still about 10 %.
        let other = heldOut(first, "other")
        #expect((880...1120).contains(other.count))
        #expect((60...150).contains(held.intersection(other).count), "overlap: \(held.intersection(other).count)")
        #expect(HoldoutHash.bucket(rule: "ten", customer: "H1") == HoldoutHash.bucket(rule: "ten", customer: "H1"))
    }

    @Test("limit once, once per N days, and rows that do not count toward a limit", arguments: StoreKind.allCases)
    func limits(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let ever = try fx.customer("EVER")
        try fx.sent("once", to: ever, at: "2020-01-01")
        let recent = try fx.customer("RECENT")
        try fx.sent("per30", to: recent, at: "2026-11-01")
        let old = try fx.customer("OLD")
        try fx.sent("per30", to: old, at: "2026-10-21T00:00:00Z")  // exactly 30 × 24 h before now
        let skippedBefore = try fx.customer("SKIPPED")
        try fx.sent("per30", to: skippedBefore, at: "2026-11-10", status: "skipped")
        let heldOut = try fx.customer("HELD")
        try fx.sent("per30", to: heldOut, at: "2026-11-10", status: "holdout")
        let rules = """
            rule "once" { when consent email  send email "x"  limit once }
            rule "per30" { when consent email  send email "x"  limit once per 30 days }
            """
        let result = try await fx.evaluate(rules, at: "2026-11-20T00:00:00Z")
        #expect(result.verdicts("once")["EVER"] == .skip(.limit))
        #expect(result.verdicts("once")["RECENT"] == .send)
        #expect(result.verdicts("per30") == [
            "EVER": .send, "RECENT": .skip(.limit), "OLD": .send, "SKIPPED": .send, "HELD": .skip(.limit),
        ])
    }

    @Test("the contact-pressure cap: higher priority wins, earlier sends count, webhooks do not", arguments: StoreKind.allCases)
    func contactPressure(on kind: StoreKind) async throws {
        var fx = try EvaluationFixture(on: kind)
        fx.contactPressure = (messages: 1, days: 7)
        let fresh = try fx.customer("FRESH")
        try fx.consent(fresh, .webhook, granted: true, at: "2020-01-01")
        let busy = try fx.customer("BUSY")
        try fx.sent("elsewhere", to: busy, at: "2026-11-15")
        let longAgo = try fx.customer("LONGAGO")
        try fx.sent("elsewhere", to: longAgo, at: "2026-11-01")
        let rules = """
            rule "low" { when consent email  send email "x"  limit once }
            rule "high" { when consent email  send email "y"  limit once  priority 5 }
            rule "hook" { when consent email  send webhook "z"  limit once }
            """
        let result = try await fx.evaluate(rules, at: "2026-11-20")
        #expect(result.verdicts("high") == ["FRESH": .send, "BUSY": .skip(.capped), "LONGAGO": .send])
        #expect(result.verdicts("low") == ["FRESH": .skip(.capped), "BUSY": .skip(.capped), "LONGAGO": .skip(.capped)])
        #expect(result.verdicts("hook")["FRESH"] == .send)
        // Planning one rule alone still lets the rules that win over it take the cap first.
        let alone = try await fx.evaluate(rules, at: "2026-11-20", only: ["low"])
        #expect(alone.verdicts("low") == result.verdicts("low"))
        #expect(alone.tallies.keys.sorted() == ["low"])
    }

    @Test("quiet hours hold a send until they end in the customer's time zone", arguments: StoreKind.allCases)
    func quietHours(on kind: StoreKind) async throws {
        var fx = try EvaluationFixture(on: kind)
        fx.businessTimeZone = TimeZone(identifier: "UTC")!
        try fx.customer("HEL", timeZone: "Europe/Helsinki")  // UTC+2 in November
        try fx.customer("NY", timeZone: "America/New_York")  // UTC−5
        let rules = #"rule "q" { when consent email  send email "x"  limit once  quiet hours 21:00-08:00 }"#
        // 20:00 UTC: 22:00 in Helsinki (quiet until 08:00 = 06:00 UTC next day), 15:00 in New York.
        let result = try await fx.evaluate(rules, at: "2026-11-20T20:00:00Z")
        #expect(result.verdicts("q") == ["HEL": .hold(until: fx.time("2026-11-21T06:00:00Z")), "NY": .send])
        #expect(result.tallies["q"]?.skipped[.quietHours] == 1)
        // The config's quiet hours apply to email rules without their own.
        let plain = try fx.ruleSet(#"rule "p" { when consent email  send email "x"  limit once }"#)
        let quiet = QuietHours(start: TimeOfDay(hour: 12, minute: 0)!, end: TimeOfDay(hour: 13, minute: 30)!)
        let configured = try await fx.evaluate(plain, settings: fx.settings(at: "2026-11-20T17:00:00Z", quietHours: quiet))
        #expect(configured.verdicts("p") == ["NY": .hold(until: fx.time("2026-11-20T18:30:00Z")), "HEL": .send])
    }

    @Test("active windows are whole days in the business time zone", arguments: StoreKind.allCases)
    func activeWindow(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        try fx.customer("A")
        let rules = #"rule "xmas" { when consent email  send email "x"  limit once  active from 2026-12-01 until 2026-12-24 }"#
        #expect(try await fx.evaluate(rules, at: "2026-11-30T21:59:59Z").tallies["xmas"]?.active == false)
        #expect(try await fx.evaluate(rules, at: "2026-11-30T22:00:00Z").matched("xmas") == ["A"])  // 00:00 in Helsinki
        #expect(try await fx.evaluate(rules, at: "2026-12-24T21:59:59Z").matched("xmas") == ["A"])
        #expect(try await fx.evaluate(rules, at: "2026-12-24T22:00:00Z").tallies["xmas"]?.active == false)
    }

    @Test("money is exact, missing values are false and their negation true, attributes compare by type", arguments: StoreKind.allCases)
    func valuesAndTypes(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let exact = try fx.customer("EXACT", attributes: ["size": "42", "colour": "blue"])
        try fx.purchase(exact, at: "2026-11-01", amount: 9995)
        let cent = try fx.customer("CENT", attributes: ["size": "forty"])
        try fx.purchase(cent, at: "2026-11-01", amount: 9994)
        try fx.customer("NONE", city: nil)
        let rules = """
            rule "spent" { when spent >= 99.95  send email "x"  limit once }
            rule "no-nps" { when not (nps <= 6)  send email "x"  limit once }
            rule "size" { when attribute "size" >= 40  send email "x"  limit once }
            rule "colour" { when attribute "colour" = "blue" or city in ("Turku")  send email "x"  limit once }
            rule "not-helsinki" { when not (city = "Helsinki")  send email "x"  limit once }
            rule "last" { when last purchase = 2026-11-01 and first purchase >= 2026-11-01  send email "x"  limit once }
            """
        let result = try await fx.evaluate(rules, at: "2026-11-20")
        #expect(result.matched("spent") == ["EXACT"])
        #expect(result.matched("no-nps") == ["EXACT", "CENT", "NONE"])
        #expect(result.matched("size") == ["EXACT"])
        #expect(result.matched("colour") == ["EXACT"])
        #expect(result.matched("not-helsinki") == ["NONE"])
        #expect(result.matched("last") == ["EXACT", "CENT"])
    }

    @Test("rule text never becomes SQL: quotes and SQL in names and strings are plain values", arguments: StoreKind.allCases)
    func hostileText(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        try fx.customer("Q", city: #"O'Brien"); DROP TABLE customer; --"#)
        let rules = #"""
            rule "x'); DROP TABLE send; --" {
              when city = "O'Brien\"); DROP TABLE customer; --" or tagged "'; DELETE FROM customer; --" or attribute "a\"b" = "1"
              send email "x"
              limit once
            }
            """#
        _ = try await fx.evaluate(rules, at: "2026-11-20")
        #expect(try await fx.integer("SELECT count(*) FROM customer") == 1)
        #expect(try await fx.integer("SELECT count(*) FROM send") == 0)
        let plain = #"rule "city" { when city = "O'Brien\"); DROP TABLE customer; --"  send email "x"  limit once }"#
        #expect(try await fx.evaluate(plain, at: "2026-11-20").matched("city") == ["Q"])
    }
}
