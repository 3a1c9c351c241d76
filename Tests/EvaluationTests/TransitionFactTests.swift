@testable import CustomerStore
import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing
import TestSupport

/// `entered S` / `left S` and the sends-as-facts over fixture stores: membership recorded the way a
/// tick records it (`Evaluator.membershipChanges`, then `SegmentMembershipWriter.record`), then
/// evaluated at chosen instants, past ones included. On PostgreSQL the changes are found and the
/// rules evaluated on the copy; the membership is recorded with SQLite's writer and copied (the
/// PostgreSQL tick's own writer: `PostgresTickFeaturesTests`).
@Suite("segment transitions and sends as facts")
struct TransitionFactTests {
    static let rules = """
        segment key = spent in last 30 days >= 100
        rule "entered" { when entered key  send email "e" }
        rule "left" { when left key  send email "l" }
        rule "entered-30" { when entered key in last 30 days  send email "e" }
        rule "entered-5" { when entered key in last 5 days  send email "e" }
        rule "entered-60" { when entered key in last 60 days  send email "e" }
        rule "left-30" { when left key in last 30 days  send email "l" }
        """

    /// A (buys before and during), B (buys only before), C (buys on day 20), D (never buys).
    func story(on kind: StoreKind = .sqlite) throws -> EvaluationFixture {
        let fx = try EvaluationFixture(on: kind)
        let a = try fx.customer("A"), b = try fx.customer("B"), c = try fx.customer("C")
        try fx.customer("D")
        try fx.purchase(a, at: "2026-09-30T12:00:00Z", amount: 15000)
        try fx.purchase(a, at: "2026-10-26T12:00:00Z", amount: 15000)
        try fx.purchase(b, at: "2026-09-30T12:00:00Z", amount: 15000)
        try fx.purchase(c, at: "2026-10-21T12:00:00Z", amount: 15000)
        return fx
    }

    /// Records the segment's membership at `instant` as a tick does; returns what was recorded.
    @discardableResult
    func record(_ fx: EvaluationFixture, at instant: String) async throws -> SegmentMembershipWriter.Update {
        let ruleSet = try fx.ruleSet(Self.rules)
        let segment = try #require(ruleSet.segment(named: "key"))
        let changes = try await fx.membershipChanges(of: segment, ruleSet, settings: fx.settings(at: instant))
        return try await fx.store.database.write { db in
            try DecisionWriter(db).membership.record(
                segment: "key", at: fx.time(instant), entered: changes.entered, left: changes.left)
        }
    }

    @Test("entered and left compare with the previous recorded evaluation; the first one fires nothing", arguments: StoreKind.allCases)
    func enteredAndLeft(on kind: StoreKind) async throws {
        let fx = try story(on: kind)
        // Never recorded: no transitions at all.
        var result = try await fx.evaluate(Self.rules, at: "2026-10-02T00:00:00Z")
        #expect(result.matched("entered").isEmpty && result.matched("left").isEmpty)
        #expect(try await record(fx, at: "2026-10-01T00:00:00Z") == .baseline(members: 2))
        // At the baseline instant itself nothing is a transition either.
        result = try await fx.evaluate(Self.rules, at: "2026-10-01T00:00:00Z")
        #expect(result.matched("entered").isEmpty && result.matched("left").isEmpty)
        // Day 35: C joined (bought on day 20), B dropped out (its purchase is 36 days old).
        let before = try await fx.evaluate(Self.rules, at: "2026-11-05T00:00:00Z")
        #expect(before.matched("entered") == ["C"] && before.matched("left") == ["B"])
        #expect(try await record(fx, at: "2026-11-05T00:00:00Z") == .changed(entered: 1, left: 1))
        // The tick's own writes do not change what that instant sees.
        let after = try await fx.evaluate(Self.rules, at: "2026-11-05T00:00:00Z")
        #expect(after.matched("entered") == ["C"] && after.matched("left") == ["B"])
        // Recording the same instant again writes nothing.
        #expect(try await record(fx, at: "2026-11-05T00:00:00Z") == .stale)
        // A's baseline membership (day 0, inside 60 days) is no transition: only C entered.
        #expect(after.matched("entered-60") == ["C"] && after.matched("left-30") == ["B"])
    }

    @Test("windows read the history; a past instant answers as the store would have then", arguments: StoreKind.allCases)
    func windowsAndThePast(on kind: StoreKind) async throws {
        let fx = try story(on: kind)
        try await record(fx, at: "2026-10-01T00:00:00Z")
        try await record(fx, at: "2026-11-05T00:00:00Z")
        // Day 45: nobody changes, so no instant transition; the windows see day 35's.
        let later = try await fx.evaluate(Self.rules, at: "2026-11-15T00:00:00Z")
        #expect(later.matched("entered").isEmpty && later.matched("left").isEmpty)
        #expect(later.matched("entered-30") == ["C"] && later.matched("left-30") == ["B"])
        #expect(later.matched("entered-5").isEmpty)
        // Day 21, after C's purchase: then the previous evaluation was the baseline {A, B}, so C
        // had entered; the later history (C entered on day 35) is not visible from day 21.
        let past = try await fx.evaluate(Self.rules, at: "2026-10-22T00:00:00Z")
        #expect(past.matched("entered") == ["C"] && past.matched("left").isEmpty)
        #expect(past.matched("entered-30") == ["C"] && past.matched("left-30").isEmpty)
        // Before the baseline there is nothing to compare with.
        let early = try await fx.evaluate(Self.rules, at: "2026-09-30T18:00:00Z")
        #expect(early.matched("entered").isEmpty && early.matched("entered-30").isEmpty)
    }

    @Test("membership changes list only who changed", arguments: StoreKind.allCases)
    func onlyChanges(on kind: StoreKind) async throws {
        let fx = try story(on: kind)
        try await record(fx, at: "2026-10-01T00:00:00Z")
        let ruleSet = try fx.ruleSet(Self.rules)
        let changes = try await fx.membershipChanges(
            of: ruleSet.segment(named: "key")!, ruleSet, settings: fx.settings(at: "2026-11-05T00:00:00Z"))
        let ids = try await fx.store.database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT external_id, id FROM customer").map {
                ($0[0] as String, $0[1] as Int64)
            })
        }
        #expect(changes == MembershipChanges(entered: [ids["C"]!], left: [ids["B"]!]))
        let rows = try await fx.store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM segment_membership")! }
        #expect(rows == 2)
    }

    @Test("a segment over customer columns: changes found through the customer row", arguments: StoreKind.allCases)
    func customerColumns(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        try fx.customer("A", city: "Helsinki")
        try fx.customer("B", city: "Espoo")
        let rules = #"segment local = city = "Helsinki"  rule "moved" { when left local  send email "m" }"#
        let ruleSet = try fx.ruleSet(rules)
        let segment = try #require(ruleSet.segment(named: "local"))
        func changes(at instant: String) async throws -> MembershipChanges {
            try await fx.membershipChanges(of: segment, ruleSet, settings: fx.settings(at: instant))
        }
        let baseline = try await changes(at: "2026-11-01T00:00:00Z")
        #expect(baseline == MembershipChanges(entered: [1], left: []))
        try await fx.store.database.write { db in
            try DecisionWriter(db).membership.record(segment: "local", at: fx.time("2026-11-01T00:00:00Z"), entered: [1], left: [])
        }
        try fx.customer("A", city: "Espoo")
        try fx.customer("B", city: "Helsinki")
        #expect(try await changes(at: "2026-11-02T00:00:00Z") == MembershipChanges(entered: [2], left: [1]))
        #expect(try await fx.evaluate(rules, at: "2026-11-02T00:00:00Z").matched("moved") == ["A"])
    }

    struct DiskFull: Error {}

    @Test("a tick's slices find the changes together; what the writer records is absent when the tick fails")
    func wholeOrAbsent() throws {
        let fx = try story()
        let ruleSet = try fx.ruleSet(Self.rules)
        let evaluator = Evaluator(ruleSet: ruleSet, settings: fx.settings(at: "2026-10-01T00:00:00Z"))
        var found = MembershipChanges()
        #expect(throws: DiskFull.self) {
            try ParallelEvaluator(evaluator: evaluator, slices: 3).evaluate(in: fx.store) { writer, stream in
                while stream.next() != nil {}
                found = stream.membershipChanges(of: "key")
                try writer.membership.record(segment: "key", at: 1, entered: found.entered, left: found.left)
                throw DiskFull()
            }
        }
        #expect(Set(found.entered) == [1, 2] && found.left.isEmpty)
        let rows = try fx.store.database.read {
            try Int.fetchOne($0, sql: "SELECT (SELECT count(*) FROM segment_membership) + (SELECT count(*) FROM segment_tracking)")!
        }
        #expect(rows == 0)
    }

    static let sendRules = """
        rule "cart" { when orders >= 0  send email "cart"  limit once }
        rule "received-3" { when received "cart" in last 3 days  send email "r" }
        rule "no-purchase-since" { when no purchase since received "cart"  send email "r" }
        rule "purchase-since" { when purchase since received "cart"  send email "r" }
        rule "days-since-2" { when days since received "cart" >= 2  send email "r" }
        rule "second-reminder" {
          when received "cart" in last 3 days and no purchase since received "cart"
          send email "r"
        }
        """

    @Test("received reads delivered sends only; holdouts, queued and skipped rows are not received", arguments: StoreKind.allCases)
    func sendsAsFacts(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture(on: kind)
        let e = try fx.customer("E"), f = try fx.customer("F"), h = try fx.customer("H"), k = try fx.customer("K")
        let p = try fx.customer("P"), s = try fx.customer("S")
        try fx.customer("G")  // never sent anything
        try fx.sent("cart", to: e, at: "2026-11-18T12:00:00Z")
        try fx.sent("cart", to: p, at: "2026-11-18T12:00:00Z")
        try fx.purchase(p, at: "2026-11-19T12:00:00Z")
        try fx.sent("cart", to: f, at: "2026-11-18T12:00:00Z", status: "holdout")
        try fx.sent("cart", to: h, at: "2026-11-18T12:00:00Z", status: "queued")
        try fx.sent("cart", to: k, at: "2026-11-18T12:00:00Z", status: "skipped")
        try fx.sent("other", to: s, at: "2026-11-18T12:00:00Z")
        let now = try await fx.evaluate(Self.sendRules, at: "2026-11-20T12:00:00Z")
        #expect(now.matched("received-3") == ["E", "P"])
        #expect(now.matched("purchase-since") == ["P"])
        // Never received: `purchase since` is false, so its negation holds.
        #expect(now.matched("no-purchase-since") == ["E", "F", "G", "H", "K", "S"])
        #expect(now.matched("days-since-2") == ["E", "P"])
        #expect(now.matched("second-reminder") == ["E"])
        // Four days on, the 3-day window has passed; days since received keeps counting.
        let later = try await fx.evaluate(Self.sendRules, at: "2026-11-22T13:00:00Z")
        #expect(later.matched("received-3").isEmpty && later.matched("second-reminder").isEmpty)
        #expect(later.matched("days-since-2") == ["E", "P"])
        // Before the send (a past instant): nothing received, P's purchase not yet made either.
        let before = try await fx.evaluate(Self.sendRules, at: "2026-11-18T11:00:00Z")
        #expect(before.matched("received-3").isEmpty && before.matched("days-since-2").isEmpty)
        #expect(before.matched("purchase-since").isEmpty)
        // Between the send and P's purchase: P has received it and not bought since.
        let between = try await fx.evaluate(Self.sendRules, at: "2026-11-19T00:00:00Z")
        #expect(between.matched("second-reminder") == ["E", "P"])
    }

    @Test("explain shows when a transition happened and how long ago a send was received", arguments: StoreKind.allCases)
    func explainValues(on kind: StoreKind) async throws {
        let fx = try story(on: kind)
        try await record(fx, at: "2026-10-01T00:00:00Z")
        try await record(fx, at: "2026-11-05T00:00:00Z")
        let rules = Self.rules + """

            rule "cart" { when orders >= 0  send email "cart"  limit once }
            rule "both" { when entered key in last 30 days and received "cart" in last 30 days  send email "b" }
            """
        let c = try await fx.store.database.read { try Int64.fetchOne($0, sql: "SELECT id FROM customer WHERE external_id = 'C'")! }
        try fx.sent("cart", to: c, at: "2026-11-03T00:00:00Z")
        let explanation = try #require(
            try await fx.explain("C", fx.ruleSet(rules), settings: fx.settings(at: "2026-11-15T00:00:00Z"), only: ["both"]))
        let lines = try #require(explanation.rules.first).lines
        #expect(lines == [
            ExplanationLine(
                depth: 0, holds: true, text: "entered key in last 30 days",
                values: "in key at the previous evaluation = yes, entered key at 2026-11-05T00:00:00Z"),
            ExplanationLine(depth: 0, holds: true, text: "received \"cart\" in last 30 days", values: "received cart 12 days ago"),
        ])
    }
}
