import Foundation
import Testing
@testable import RuleLanguage

/// Regressions found by `FuzzTests`.
struct JourneyRecoveryTests {
    /// A journey keyword in a rule (and a rule keyword in a journey or step) is reported once and
    /// skipped; before the fix the parser stood still on it forever.
    @Test func aClauseKeywordOfTheOtherKindIsReportedAndSkipped() {
        let text = """
            rule "r" {
              step "s" { send email "welcome" }
              when orders >= 1
              send email "welcome"
              limit once
            }
            journey "j" {
              limit once
              enter when orders = 1
              step "s" { holdout 5% send email "welcome" }
            }
            """
        let result = RuleSetLoader.check([SourceFile(name: "k.rules", text: text)], environment: Fixtures.environment)
        #expect(result.diagnostics.map { "\($0.file.location(of: $0.range?.lowerBound ?? 0)): \($0.message)" } == [
            "2:3: 'step' belongs inside a journey",
            "8:3: journeys have no 'limit'",
            "10:14: 'holdout' belongs to the journey, not to a step",
        ])
    }
}
