import CustomerStore
import Foundation
import Reporting
import Testing

/// The `winner after … at P%` decision on counts, on planted and simulated experiments.
@Suite("variant judge")
struct VariantJudgeTests {
    /// Converters among `n` customers who each convert with probability `rate`.
    func converters(_ n: Int, _ rate: Double, _ random: inout SplitMix64) -> Int {
        (0..<n).reduce(0) { count, _ in count + (Double.random(in: 0..<1, using: &random) < rate ? 1 : 0) }
    }

    @Test("14 % against 10 % over 4,000 customers: the 14 % variant is picked")
    func plantedDifference() {
        let counts = [
            VariantJudge.Count(variant: "winback-a", recipients: 2_000, converted: 280),
            VariantJudge.Count(variant: "winback-b", recipients: 2_000, converted: 200),
        ]
        guard case .winner(let variant, let p) = VariantJudge.decide(counts, confidence: 0.95) else {
            Issue.record("no winner: \(VariantJudge.decide(counts, confidence: 0.95))")
            return
        }
        #expect(variant == "winback-a")
        #expect(p < 0.001)
        // The order of the variants does not matter.
        #expect(VariantJudge.decide(counts.reversed(), confidence: 0.95) == .winner(variant: "winback-a", pValue: p))
    }

    @Test("10 % against 10 %: over 1,000 simulated experiments a variant is picked at most 5 % of the time")
    func noDifferenceIsRarelyPicked() {
        var random = SplitMix64(seed: 0xAB_0016)
        var picked = 0
        for _ in 0..<1_000 {
            let counts = [
                VariantJudge.Count(variant: "a", recipients: 2_000, converted: converters(2_000, 0.10, &random)),
                VariantJudge.Count(variant: "b", recipients: 2_000, converted: converters(2_000, 0.10, &random)),
            ]
            if case .winner = VariantJudge.decide(counts, confidence: 0.95) { picked += 1 }
        }
        #expect(picked <= 50, "picked in \(picked) of 1000")
        // Not a judge that never picks: with a real 14 % against 10 % it picks nearly always.
        var found = 0
        for _ in 0..<200 {
            let counts = [
                VariantJudge.Count(variant: "a", recipients: 2_000, converted: converters(2_000, 0.14, &random)),
                VariantJudge.Count(variant: "b", recipients: 2_000, converted: converters(2_000, 0.10, &random)),
            ]
            if case .winner(let variant, _) = VariantJudge.decide(counts, confidence: 0.95), variant == "a" { found += 1 }
        }
        #expect(found >= 180, "picked the better variant in \(found) of 200")
    }

    @Test("three equal variants: the Bonferroni level keeps false picks at most 5 %")
    func threeEqualVariants() {
        var random = SplitMix64(seed: 0xAB_0003)
        var picked = 0
        for _ in 0..<1_000 {
            let counts = ["a", "b", "c"].map {
                VariantJudge.Count(variant: $0, recipients: 1_000, converted: converters(1_000, 0.10, &random))
            }
            if case .winner = VariantJudge.decide(counts, confidence: 0.95) { picked += 1 }
        }
        #expect(picked <= 50, "picked in \(picked) of 1000")
    }

    @Test("no decision before every variant has 100 recipients whose window has ended")
    func tooFewRecipients() {
        let counts = [
            VariantJudge.Count(variant: "a", recipients: 99, converted: 60),
            VariantJudge.Count(variant: "b", recipients: 5_000, converted: 100),
        ]
        guard case .undecided(let reason) = VariantJudge.decide(counts, confidence: 0.95) else {
            Issue.record("decided on 99 recipients")
            return
        }
        #expect(reason == "\"a\" has 99 recipients whose window has ended, at least 100 are needed")
        let enough = [VariantJudge.Count(variant: "a", recipients: 100, converted: 60), counts[1]]
        #expect(VariantJudge.decide(enough, confidence: 0.95) != .undecided(reason: reason))
    }

    @Test("the continuity-corrected test is stricter than the report's plain z-test")
    func corrected() throws {
        let comparison = VariantComparison(
            VariantJudge.Count(variant: "a", recipients: 2_000, converted: 230),
            VariantJudge.Count(variant: "b", recipients: 2_000, converted: 200))
        let corrected = try #require(comparison.pValue)
        let plain = try #require(comparison.test.pValue)
        #expect(corrected > plain)
        #expect(comparison.code == "no_difference")
        #expect(comparison.verdict == "no measurable difference")
    }
}
