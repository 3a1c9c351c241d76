@testable import CustomerStore
@testable import Evaluation
import Foundation
import GRDB
import RuleLanguage
import Testing

/// `Evaluator.evaluate(only:readingConcurrently:)`, the PostgreSQL plan's rules read on several
/// snapshots at once: whatever order the audiences arrive in, the rules are decided in priority
/// order, so the contact-pressure cap and every tally are those of one snapshot.
@Suite("evaluation reading rules on several snapshots at once")
struct ConcurrentReadersTests {
    /// Four rules competing for a cap of one message a week, one of them inactive.
    static let rules = """
        rule "first" {
          when orders >= 2 and consent email
          send email "a"
          priority 10
        }
        rule "second" {
          when orders >= 1 and consent email
          send email "b"
        }
        rule "closed" {
          when orders >= 0 and consent email
          send email "c"
          active from 2020-01-01 until 2020-01-31
        }
        rule "third" {
          when no purchase in last 30 days and consent email
          send email "d"
          holdout 50%
        }
        """

    @Test("1, 2, 3 and 8 readers, audiences arriving out of order: the tallies of one reader and of SQLite's evaluation")
    func sameTallies() async throws {
        var fixture = try EvaluationFixture()
        fixture.contactPressure = (messages: 1, days: 7)
        for number in 1...40 {
            let customer = try fixture.customer(String(format: "C%03d", number))
            for order in 0..<(number % 4) { try fixture.purchase(customer, at: "2026-0\(1 + order)-1\(number % 10)") }
        }
        let evaluator = Evaluator(ruleSet: try fixture.ruleSet(Self.rules), settings: fixture.settings(at: "2026-11-20T12:00:00Z"))
        let onSQLite = try await fixture.store.database.read { try evaluator.evaluate(in: $0) }.map(Self.summary)
        #expect(onSQLite.count == 4 && onSQLite.contains { $0.hasPrefix("closed inactive") })
        // The cap decides: a lower-priority rule loses customers to a higher one.
        #expect(onSQLite.contains { $0.contains("capped=") })
        let sequential = try await evaluator.evaluate(reading: DelayedReader(store: fixture.store, slow: [])).map(Self.summary)
        #expect(sequential == onSQLite)
        for count in [1, 2, 3, 8] {
            // The rule read first (the highest priority) is the slowest to arrive.
            let readers = (0..<count).map { _ in DelayedReader(store: fixture.store, slow: ["first"]) }
            let tallies = try await evaluator.evaluate(readingConcurrently: readers).map(Self.summary)
            #expect(tallies == onSQLite, "\(count) readers")
        }
        let only = try await evaluator.evaluate(only: ["third"], readingConcurrently: [DelayedReader(store: fixture.store, slow: [])] + [DelayedReader(store: fixture.store, slow: [])])
        #expect(only.map(Self.summary) == onSQLite.filter { $0.hasPrefix("third ") })
    }

    static func summary(_ tally: RuleTally) -> String {
        let skipped = tally.skipped.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
        return "\(tally.rule) \(tally.active ? "active" : "inactive") matched=\(tally.matched) send=\(tally.wouldSend) "
            + "skipped=\(skipped) sample=\(tally.sample.joined(separator: ","))"
    }
}

/// A SQLite store read as another store's snapshot is (`SQLRowReader`), taking its time over
/// the queries whose text names one of `slow` (a rule's name is the first argument of its query).
private struct DelayedReader: SQLRowReader, Sendable {
    let store: CustomerStore
    let slow: Set<String>

    func rows(_ sql: String, arguments: [SQLValue]) async throws -> [[SQLValue]] {
        if let name = arguments.first?.string, slow.contains(name) {
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await store.database.read { db in
            SQLFunctions.register(in: db)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(\.sqlValues)
        }
    }
}
