import Foundation
import Testing
@testable import RuleLanguage

/// Issue 15's journey example is a contract: it must check cleanly and mean what its comments say.
struct JourneyExampleTests {
    let ruleSet: RuleSet
    let file: SourceFile

    init() throws {
        file = try Fixtures.sourceFile("good/journeys.rules")
        let result = RuleSetLoader.check([file], environment: Fixtures.environment)
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        ruleSet = try #require(result.ruleSet)
    }

    @Test func hasTwoJourneysAndOneSegment() {
        #expect(ruleSet.journeys.map(\.name) == ["onboarding", "new-key-customer"])
        #expect(ruleSet.segments.map(\.name) == ["key"])
        #expect(ruleSet.rules.isEmpty)
        #expect(ruleSet.summary == "0 rules, 2 journeys, 1 segment")
    }

    @Test func onboardingEntersFirstTimeBuyersAndExitsOnTheSecondOrder() throws {
        let journey = try #require(ruleSet.journey(named: "onboarding"))
        #expect(journey.description == "First-time buyers: thanks, tips, then a review request")
        #expect(journey.entry.sExpression == "(and (= orders 1 number) purchase[last 2] consent[email])")
        #expect(file.text(journey.entry.range) == "orders = 1 and purchase in last 2 days and consent email")
        #expect(journey.exit?.sExpression == "(>= orders 2 number)")
        #expect(journey.reenterAfterDays == 365)
        #expect(journey.holdoutPercent == 10)
        #expect(journey.priority == 0)
        #expect(file.text(journey.nameRange) == "\"onboarding\"")
        #expect(file.location(of: journey.range.lowerBound) == SourceLocation(line: 6, column: 1))
        #expect(file.text(journey.range).hasSuffix("quiet hours 21:00-08:00\n  }\n}"))
    }

    @Test func onboardingHasThreeStepsSeparatedByWaits() throws {
        let journey = try #require(ruleSet.journey(named: "onboarding"))
        #expect(journey.steps.map(\.name) == ["thanks", "tips", "review"])
        #expect(journey.steps.map(\.channel) == [.email, .email, .email])
        #expect(journey.steps.map(\.target) == ["onboarding-thanks", "onboarding-tips", "review-ask"])
        #expect(journey.steps.map { journey.sendName(of: $0) } == ["onboarding/thanks", "onboarding/tips", "onboarding/review"])

        let (thanks, tips, review) = (journey.steps[0], journey.steps[1], journey.steps[2])
        #expect(thanks.waitBefore == nil)
        #expect(thanks.condition == nil)
        #expect(thanks.quietHours == nil)

        let threeDays = try #require(tips.waitBefore)
        #expect(threeDays.days == 3)
        #expect(threeDays.at == nil)
        #expect(file.text(threeDays.range) == "wait 3 days")
        #expect(tips.condition?.sExpression == "(not purchase[last 3])")
        #expect(tips.quietHours == nil)

        let sevenDays = try #require(review.waitBefore)
        #expect(sevenDays.days == 7)
        #expect(sevenDays.at == TimeOfDay(hour: 9, minute: 0))
        #expect(file.text(sevenDays.range) == "wait 7 days at 09:00")
        #expect(review.condition == nil)
        #expect(review.quietHours == QuietHours(start: TimeOfDay(hour: 21, minute: 0)!, end: TimeOfDay(hour: 8, minute: 0)!))
        #expect(file.text(review.nameRange) == "\"review\"")
        #expect(file.location(of: review.range.lowerBound) == SourceLocation(line: 22, column: 3))
    }

    @Test func newKeyCustomerHasOneStepOnOneLine() throws {
        let journey = try #require(ruleSet.journey(named: "new-key-customer"))
        #expect(journey.entry.sExpression == "entered[key]")
        #expect(ruleSet.transitionSegments.map(\.name) == ["key"])
        #expect(journey.exit == nil)
        #expect(journey.reenterAfterDays == nil)
        #expect(journey.holdoutPercent == 0)
        #expect(journey.description == nil)
        #expect(journey.steps.count == 1)
        let letter = try #require(journey.step(named: "letter"))
        #expect(letter.channel == .letter)
        #expect(letter.target == "thank-you")
        #expect(letter.waitBefore == nil)
        #expect(file.text(letter.range) == "step \"letter\" { send letter \"thank-you\" }")
        #expect(journey.step(named: "thanks") == nil)
    }

    @Test func journeysCarryFileAndContentHash() throws {
        let journey = try #require(ruleSet.journeys.first)
        #expect(journey.filePath == "good/journeys.rules")
        #expect(journey.contentHash == FNV1a.hexDigest(of: file.bytes))
    }
}
