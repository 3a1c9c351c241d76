import Foundation
import Testing
@testable import RuleLanguage

/// The decisions about the journey language that the example does not show.
struct JourneyLanguageTests {
    func check(_ text: String) -> CheckResult {
        RuleSetLoader.check([SourceFile(name: "j.rules", text: text)], environment: Fixtures.environment)
    }

    func messages(_ result: CheckResult) -> [String] {
        result.diagnostics.map { "\($0.file.location(of: $0.range?.lowerBound ?? 0)): \($0.message)" }
    }

    @Test func aWaitBeforeTheFirstStepDelaysIt() throws {
        let result = check("""
            journey "later" {
              enter when orders = 1
              wait 0 days at 09:00
              step "first" { send email "welcome" }
              wait 1 day
              step "second" { send email "welcome" }
            }
            """)
        #expect(result.diagnostics.isEmpty, "\(messages(result))")
        let journey = try #require(result.ruleSet?.journey(named: "later"))
        #expect(journey.steps[0].waitBefore?.days == 0)
        #expect(journey.steps[0].waitBefore?.at == TimeOfDay(hour: 9, minute: 0))
        #expect(journey.steps[1].waitBefore?.days == 1)
        #expect(journey.steps[1].waitBefore?.at == nil)
    }

    @Test func receivedNamesAJourneyStepAsJourneySlashStep() throws {
        let good = check("""
            journey "onboarding" {
              enter when orders = 1
              step "thanks" { send email "welcome" }
            }
            rule "follow-up" {
              when received "onboarding/thanks" in last 7 days and no purchase since received "onboarding/thanks"
              send email "welcome"
              limit once
            }
            """)
        #expect(good.diagnostics.isEmpty, "\(messages(good))")
        let misspelt = check("""
            journey "onboarding" {
              enter when orders = 1
              step "thanks" { send email "welcome" }
            }
            rule "follow-up" {
              when received "onboarding/thank" in last 7 days
              send email "welcome"
              limit once
            }
            """)
        #expect(misspelt.ruleSet == nil)
        let diagnostic = try #require(misspelt.diagnostics.first)
        #expect(diagnostic.file.location(of: diagnostic.range?.lowerBound ?? 0) == SourceLocation(line: 6, column: 17))
        #expect("\(diagnostic.message) \(diagnostic.hint ?? "")".contains("onboarding/thanks"))
    }

    @Test func journeyClausesMayComeInAnyOrderAroundTheSteps() throws {
        let result = check("""
            journey "any-order" {
              step "a" { when consent email  send email "welcome"  quiet hours 21:00-08:00 }
              holdout 2.5%
              enter when orders = 1
              priority 7
              exit when orders >= 2
            }
            """)
        #expect(result.diagnostics.isEmpty, "\(messages(result))")
        let journey = try #require(result.ruleSet?.journey(named: "any-order"))
        #expect(journey.holdoutPercent == Decimal(string: "2.5"))
        #expect(journey.priority == 7)
        #expect(journey.exit?.sExpression == "(>= orders 2 number)")
        #expect(journey.steps.first?.condition?.sExpression == "consent[email]")
        #expect(journey.steps.first?.quietHours != nil)
    }

    @Test func theNewKeywordsAreReserved() {
        let result = check("segment step = orders >= 1\nsegment wait = orders >= 2\n")
        #expect(messages(result) == [
            "1:9: 'step' is a reserved word and cannot name a segment",
            "2:9: 'wait' is a reserved word and cannot name a segment",
        ])
    }

    @Test func oneBrokenJourneyDoesNotHideTheNext() {
        let result = check("""
            journey "first" {
              enter when ordrs = 1
              step "a" { send email "welcome" }
            }
            journey "second" {
              enter when orders = 1
              step "b" { send emial "welcome" }
            }
            rule "third" {
              when orders >= 1
              send email "welcom"
              limit once
            }
            """)
        #expect(messages(result) == [
            "2:14: unknown fact 'ordrs'",
            "7:19: unknown channel 'emial'",
            "11:14: unknown email template 'welcom'",
        ])
        #expect(result.ruleSet == nil)
    }

    @Test func withoutAnEnvironmentTemplateNamesAreNotChecked() throws {
        let result = RuleSetLoader.check(
            [SourceFile(name: "j.rules", text: "journey \"j\" { enter when orders = 1 step \"s\" { send email \"any\" } }")],
            environment: nil)
        #expect(result.diagnostics.isEmpty)
        #expect(result.ruleSet?.journeys.first?.steps.first?.target == "any")
    }

    @Test func theSummaryCountsRulesJourneysAndSegments() throws {
        let result = try Fixtures.check("good/product-example.rules")
        #expect(result.ruleSet?.summary == "5 rules, 0 journeys, 3 segments")
    }
}
