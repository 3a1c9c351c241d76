import Foundation
import Testing
@testable import RuleLanguage

/// `send CHANNEL "A" or "B"` with optional weights, and `winner after N days at P%`.
struct VariantLanguageTests {
    func check(_ text: String) -> CheckResult {
        RuleSetLoader.check([SourceFile(name: "v.rules", text: text)], environment: Fixtures.environment)
    }

    func messages(_ result: CheckResult) -> [String] {
        result.diagnostics.map { "\($0.file.location(of: $0.range?.lowerBound ?? 0)): \($0.message)\($0.hint.map { " (\($0))" } ?? "")" }
    }

    func rule(_ send: String, extra: String = "") -> String {
        """
        rule "ab" {
          when orders >= 1
          \(send)
          limit once per 30 days
          \(extra)
        }
        """
    }

    @Test func twoVariantsSplitEvenly() throws {
        let result = check(rule(#"send email "welcome" or "vip-news""#, extra: "winner after 14 days at 95%"))
        #expect(result.diagnostics.isEmpty, "\(messages(result))")
        let rule = try #require(result.ruleSet?.rule(named: "ab"))
        #expect(rule.variants == [
            SendVariant(target: "welcome", weightBasisPoints: 5_000), SendVariant(target: "vip-news", weightBasisPoints: 5_000),
        ])
        #expect(rule.target == "welcome" && rule.targets == ["welcome", "vip-news"])
        #expect(rule.winner?.days == 14 && rule.winner?.confidencePercent == 95)
    }

    @Test func weightsAndThreeVariants() throws {
        let weighted = try #require(check(rule(#"send email "welcome" 70% or "vip-news" 30%"#)).ruleSet?.rule(named: "ab"))
        #expect(weighted.variants.map(\.weightBasisPoints) == [7_000, 3_000])
        let three = try #require(check(rule(#"send email "welcome" or "vip-news" or "birthday""#)).ruleSet?.rule(named: "ab"))
        #expect(three.variants.map(\.weightBasisPoints) == [3_334, 3_333, 3_333])
        let single = try #require(check(rule(#"send email "welcome""#)).ruleSet?.rule(named: "ab"))
        #expect(single.variants.isEmpty && single.winner == nil && single.targets == ["welcome"])
    }

    @Test func badWeightsAreReportedWithRangesAndHints() throws {
        let sum = check(rule(#"send email "welcome" 70% or "vip-news" 20%"#))
        #expect(messages(sum) == [
            "3:14: the variants' weights add up to 90%, not 100% (the weights are shares of the sends and must sum to 100%)",
        ])
        let mixed = check(rule(#"send email "welcome" 70% or "vip-news""#))
        #expect(messages(mixed) == [
            "3:31: variant \"vip-news\" has no weight (give every variant a weight, or none for equal shares)",
        ])
        let alone = check(rule(#"send email "welcome" 100%"#))
        #expect(messages(alone).first?.contains("a weight needs two or more variants") == true)
        let zero = check(rule(#"send email "welcome" 0% or "vip-news" 100%"#))
        #expect(messages(zero).first?.contains("more than 0% and less than 100%") == true)
    }

    @Test func eachVariantIsCheckedAsASingleTarget() throws {
        let result = check(rule(#"send email "welcome" or "welcom" or "welcome""#))
        #expect(messages(result) == [
            "3:27: unknown email template 'welcom' (did you mean 'welcome'?)",
            "3:39: variant \"welcome\" is listed twice (each variant names a different template or endpoint)",
        ])
        let channel = check(rule(#"send emial "welcome" or "vip-news""#))
        #expect(messages(channel) == ["3:8: unknown channel 'emial' (did you mean 'email'?)"])
        let unquoted = check(rule(#"send email "welcome" or vip-news"#))
        #expect(messages(unquoted).first?.contains("written in quotes") == true)
    }

    @Test func winnerNeedsVariantsAndASaneConfidence() throws {
        let alone = check(rule(#"send email "welcome""#, extra: "winner after 14 days at 95%"))
        #expect(messages(alone) == [
            "5:3: 'winner' needs a send with two or more variants (write e.g. 'send email \"winback-a\" or \"winback-b\"')",
        ])
        let confidence = check(rule(#"send email "welcome" or "vip-news""#, extra: "winner after 14 days at 100%"))
        #expect(messages(confidence).first?.contains("at least 50% and less than 100%") == true)
        let days = check(rule(#"send email "welcome" or "vip-news""#, extra: "winner after 0 days at 95%"))
        #expect(messages(days).first?.contains("at least 1 day") == true)
        let twice = check(rule(#"send email "welcome" or "vip-news""#, extra: "winner after 7 days at 95%\n  winner after 14 days at 95%"))
        #expect(messages(twice).first?.contains("duplicate 'winner' clause") == true)
    }

    @Test func journeyStepsTakeVariants() throws {
        let result = check("""
            journey "onboarding" {
              enter when orders = 1
              step "thanks" { send email "onboarding-thanks" 60% or "welcome" 40% }
            }
            """)
        #expect(result.diagnostics.isEmpty, "\(messages(result))")
        let step = try #require(result.ruleSet?.journey(named: "onboarding")?.steps.first)
        #expect(step.variants.map(\.target) == ["onboarding-thanks", "welcome"])
        #expect(step.variants.map(\.weightBasisPoints) == [6_000, 4_000])
    }
}
