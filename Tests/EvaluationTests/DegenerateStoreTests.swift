@testable import CustomerStore
@testable import Evaluation
import Foundation
import RuleLanguage
import Testing
import TestSupport

/// Regression tests for the crash on a new store (issue 13): the parallel evaluator built a
/// `ClosedRange` with its lower bound above its upper bound whenever there were fewer customer
/// ids than slices (an empty store, one customer, every customer forgotten).
@Suite("degenerate stores")
struct DegenerateStoreTests {
    static let rules = """
        rule "everyone" {
          when orders >= 0 and consent email
          send email "hello"
        }
        """

    @Test("slices of 0...top: contiguous, non-empty, covering every id, never more than asked")
    func slicesCoverTheIds() {
        for top in [0, 1, 2, 3, 7, 100, 1_000_003] as [Int64] {
            for count in [1, 2, 3, 4, 16, 64] {
                let slices = ParallelEvaluator.slices(upTo: top, count: count)
                #expect(!slices.isEmpty && slices.count <= count, "top \(top), \(count) slices")
                #expect(slices.first?.lowerBound == 0 && slices.last?.upperBound == top, "top \(top), \(count) slices")
                for (a, b) in zip(slices, slices.dropFirst()) {
                    #expect(a.upperBound + 1 == b.lowerBound, "top \(top), \(count) slices")
                }
            }
        }
    }

    @Test("slices up to Int64.max (an id an outside tool wrote) do not overflow and still cover every id")
    func slicesUpToTheLargestID() {
        for count in [1, 2, 3, 7, 8, 64, 256] {
            let slices = ParallelEvaluator.slices(upTo: Int64.max, count: count)
            #expect(!slices.isEmpty && slices.count <= count, "\(count) slices")
            #expect(slices.first?.lowerBound == 0 && slices.last?.upperBound == Int64.max, "\(count) slices")
            for (a, b) in zip(slices, slices.dropFirst()) {
                #expect(a.upperBound + 1 == b.lowerBound, "\(count) slices")
            }
        }
    }

    @Test("slices for a huge count on a small store: one per id, without looping over the count")
    func slicesForAHugeCount() {
        #expect(ParallelEvaluator.slices(upTo: 0, count: Int.max) == [0...0])
        #expect(ParallelEvaluator.slices(upTo: 2, count: Int.max) == [0...0, 1...1, 2...2])
    }

    @Test("an empty new store evaluates to nobody on any number of threads", arguments: StoreKind.allCases)
    func emptyStoreManyThreads(on kind: StoreKind) async throws {
        let fixture = try EvaluationFixture(on: kind)
        let ruleSet = try fixture.ruleSet(Self.rules)
        for threads in [1, 2, 8] {
            let tallies = try await fixture.plan(ruleSet, settings: fixture.settings(at: "2026-11-20"), threads: threads)
            #expect(tallies.map(\.rule) == ["everyone"] && tallies[0].matched == 0, "\(threads) threads")
        }
    }

    @Test("one customer, more threads than customer ids: the customer is evaluated once", arguments: StoreKind.allCases)
    func oneCustomerManyThreads(on kind: StoreKind) async throws {
        let fixture = try EvaluationFixture(on: kind)
        try fixture.customer("only")
        let ruleSet = try fixture.ruleSet(Self.rules)
        for threads in [1, 2, 3, 16] {
            let tallies = try await fixture.plan(ruleSet, settings: fixture.settings(at: "2026-11-20"), threads: threads)
            #expect(tallies.first?.matched == 1 && tallies.first?.wouldSend == 1, "\(threads) threads")
        }
    }
}
