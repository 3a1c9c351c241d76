import Foundation
import Testing
@testable import RuleLanguage

/// Issue 15's segment transitions and sends as facts: the two rules of its example check and mean
/// what they say; names they refer to are checked.
struct TransitionFactTests {
    static let example = """
        segment regular = orders in last 365 days >= 3
        segment key = spent in last 365 days >= 2000

        rule "abandoned-cart" {
          when event "cart_abandoned" in last 1 days and no purchase in last 1 days
          send email "cart-reminder"
          limit once per 7 days
        }

        rule "lapsed-regular" {
          when left regular in last 30 days and no purchase in last 30 days   # transitions are facts for rules too
          send email "winback-coupon"
          limit once per 90 days
        }

        rule "second-reminder" {
          when received "abandoned-cart" in last 3 days and no purchase since received "abandoned-cart"
          send email "cart-reminder"
          limit once per 7 days
        }

        rule "new-key" {
          when entered key and days since received "second-reminder" >= 2
          send letter "thank-you"
          limit once
        }
        """

    static func check(_ text: String) -> CheckResult {
        RuleSetLoader.check([SourceFile(name: "t.rules", text: text)], environment: Fixtures.environment)
    }

    static func rendered(_ text: String) -> String {
        DiagnosticRenderer(colour: false).render(check(text).diagnostics)
    }

    @Test func theIssueExampleMeansWhatItSays() throws {
        let result = Self.check(Self.example)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        let ruleSet = try #require(result.ruleSet)
        #expect(
            ruleSet.rule(named: "lapsed-regular")?.condition.sExpression
                == "(and left[regular last 30] (not purchase[last 30]))")
        #expect(
            ruleSet.rule(named: "second-reminder")?.condition.sExpression
                == "(and received[abandoned-cart last 3] (not purchase-since-received[abandoned-cart]))")
        #expect(
            ruleSet.rule(named: "new-key")?.condition.sExpression
                == "(and entered[key] (>= days-since-received[second-reminder] 2 number))")
        // The store keeps the membership of exactly the segments whose transitions are read.
        #expect(ruleSet.transitionSegments.map(\.name) == ["regular", "key"])
    }

    @Test func aSegmentUsingATransitionDependsOnItsSegment() throws {
        let ruleSet = try #require(Self.check("""
            segment newcomer = entered base
            segment base = orders >= 1
            rule "r" { when newcomer  send email "welcome"  limit once }
            """).ruleSet)
        #expect(ruleSet.segments.map(\.name) == ["base", "newcomer"])
        #expect(ruleSet.segment(named: "newcomer")?.dependencies == ["base"])
        #expect(ruleSet.transitionSegments.map(\.name) == ["base"])
        let cycle = Self.rendered("""
            segment a = entered b
            segment b = a or orders >= 1
            rule "r" { when a  send email "welcome"  limit once }
            """)
        #expect(cycle.contains("segments form a cycle"))
    }

    @Test func transitionsOfUnknownNamesHaveLocationsAndSuggestions() {
        let text = Self.rendered("""
            segment key = spent >= 2000
            rule "r" { when entered keyy  send email "welcome"  limit once }
            """)
        #expect(text.contains("t.rules:2:25: error: unknown segment 'keyy'"))
        #expect(text.contains("did you mean 'key'?"))
        let fact = Self.rendered("""
            segment key = spent >= 2000
            rule "r" { when left orders  send email "welcome"  limit once }
            """)
        #expect(fact.contains("t.rules:2:22: error: 'left' needs a segment, but 'orders' is a built-in fact"))
    }

    @Test func receivedNamesARuleWithDidYouMean() {
        let text = Self.rendered("""
            rule "abandoned-cart" { when orders >= 1  send email "welcome"  limit once }
            rule "r" { when received "abandoned-kart" in last 3 days  send email "welcome"  limit once }
            """)
        #expect(text.contains("t.rules:2:26: error: unknown rule 'abandoned-kart'"))
        #expect(text.contains("did you mean 'abandoned-cart'?"))
        // A rule may refer to its own sends.
        #expect(Self.check("""
            rule "again" { when not received "again" in last 30 days  send email "welcome" }
            """).ruleSet != nil)
    }

    @Test func ruleNamesCannotHoldASlash() {
        let text = Self.rendered(#"rule "a/b" { when orders >= 1  send email "welcome"  limit once }"#)
        #expect(text.contains("error: rule name cannot contain '/'"))
    }

    @Test func transitionWordsCannotNameSegments() {
        for name in ["entered", "left", "received", "since"] {
            let text = Self.rendered("segment \(name) = orders >= 1\nrule \"r\" { when orders >= 1  send email \"welcome\"  limit once }")
            #expect(text.contains("'\(name)' is a built-in fact and cannot name a segment"), "\(name)")
        }
    }
}
