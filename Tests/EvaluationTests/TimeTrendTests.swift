import Evaluation
import RuleLanguage
import Testing

/// Which entry conditions can turn true by time alone (`TimeTrend`): the ones that cannot let a
/// journey's entry scan test only the customers changed since its last one.
@Suite("journeys: can an entry condition turn true by time alone")
struct TimeTrendTests {
    static let segments = """
        segment key = spent in last 365 days >= 2000
        segment lapsed = no purchase in last 90 days
        """

    /// The trend of `condition` as a journey's entry condition.
    func trend(_ condition: String) throws -> TimeTrend {
        let text = """
            \(Self.segments)
            journey "j" {
              enter when \(condition)
              step "s" { send email "x" }
            }
            """
        let result = RuleSetLoader.check([SourceFile(name: "t.rules", text: text)], environment: nil)
        let ruleSet = try #require(result.ruleSet, "\(DiagnosticRenderer(colour: false).render(result.diagnostics))")
        return TimeTrend.of(ruleSet.journeys[0].entry, in: ruleSet)
    }

    @Test("bench/journeys' entry conditions can only turn false", arguments: [
        "orders = 1 and purchase in last 30 days and consent email",
        "spent in last 365 days >= 2000 and consent email",
        "key and consent email",
        "orders in last 365 days >= 3",
        "orders in last 365 days > 2 or feedback in last 2 days",
        "event \"cart_abandoned\" in last 1 days and consent email",
        "not (no purchase in last 30 days)",
    ])
    func falling(_ condition: String) throws {
        #expect(try trend(condition) == .falling)
        #expect(try trend(condition).cannotTurnTrue)
    }

    @Test("facts that time does not move are stable", arguments: [
        "nps <= 6 and consent email",
        "orders >= 2 and spent >= 100 and city = \"Turku\"",
        "tagged \"vip\" and not consent letter",
        "country in (\"FI\", \"SE\")",
        "last purchase < 2026-01-01",
    ])
    func stable(_ condition: String) throws {
        #expect(try trend(condition) == .stable)
    }

    @Test("conditions that can turn true as time passes", arguments: [
        "no purchase in last 90 days and orders >= 2",
        "lapsed",
        "orders in last 365 days < 3",
        "not key",
        "spent in last 30 days <= 100",
    ])
    func rising(_ condition: String) throws {
        #expect(try trend(condition) == .rising)
        #expect(try !trend(condition).cannotTurnTrue)
    }

    @Test("anything not known for sure is unknown", arguments: [
        "days since last purchase >= 90",
        "birthday in 0 days",
        "days since joined > 30",
        "entered key",
        "received \"j/s\" in last 3 days",
        "orders in last 365 days = 2",
        "purchase in last 30 days or no purchase in last 10 days",
        "purchase in last 30 days and no purchase in last 3 days",
    ])
    func unknown(_ condition: String) throws {
        #expect(try trend(condition) == .unknown)
        #expect(try !trend(condition).cannotTurnTrue)
    }
}
