import Foundation
import Testing
import TestSupport

/// How `report --rule`, `log --rule` and `explain` take journey step names (`JOURNEY/STEP`) and
/// journeys, on the demo store seeded as `JourneyCommandTests` seeds it (four
/// `onboarding/thanks` rows), on both stores (the seeded SQLite store moved with `store copy --to`).
@Suite("journey names in report, log and explain")
struct JourneyNameTests {
    @Test("report --rule refuses a journey step and points to --journey; a misspelt rule gets a did-you-mean among rules",
          arguments: StoreKind.allCases)
    func reportRuleStep(on kind: StoreKind) async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try JourneyCommandTests.seed(config, in: directory)
        try await CampaigndProcess.move(config, in: directory, to: kind)
        let step = try await CampaigndProcess.run(["--config", config, "report", "--rule", "onboarding/thanks"], in: directory)
        #expect(step.status == 1)
        #expect(step.stderr == """
            campaignd: "onboarding/thanks" is a step of journey "onboarding", not a rule
            campaignd: hint: report the journey, per step: campaignd report --journey onboarding

            """)
        // The journey itself is reported per step.
        let journey = try await CampaigndProcess.run(["--config", config, "report", "--journey", "onboarding", "--json"], in: directory)
        #expect(journey.status == 0, "\(journey.stderr)")
        // Step names are not offered as rules.
        let misspelt = try await CampaigndProcess.run(["--config", config, "report", "--rule", "onboarding/thank"], in: directory)
        #expect(misspelt.status == 1)
        #expect(misspelt.stderr.contains("no rule named \"onboarding/thank\" in the send log"))
        #expect(!misspelt.stderr.contains("did you mean \"onboarding/thanks\""))
    }

    @Test("log --rule takes JOURNEY/STEP like --journey --step; an unknown name warns with a did-you-mean, exit 0; a configured one with no rows does not",
          arguments: StoreKind.allCases)
    func logRuleStep(on kind: StoreKind) async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace()
        try JourneyCommandTests.seed(config, in: directory)
        try await CampaigndProcess.move(config, in: directory, to: kind)
        func sendIDs(_ arguments: [String]) async throws -> [String] {
            let result = try await CampaigndProcess.run(["--config", config, "log", "--json"] + arguments, in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            return (document["entries"] as! [[String: Any]]).map { $0["send_id"] as! String }
        }
        let byRule = try await sendIDs(["--rule", "onboarding/thanks"])
        #expect(byRule.count == 4)
        await #expect(byRule == (try sendIDs(["--journey", "onboarding", "--step", "thanks"])))
        let misspelt = try await CampaigndProcess.run(["--config", config, "log", "--rule", "onboarding/thank"], in: directory)
        #expect(misspelt.status == 0 && misspelt.stdout == "no rows\n")
        #expect(misspelt.stderr == """
            campaignd: warning: no rule or journey step named "onboarding/thank" in the send log or the rules
            campaignd: hint: did you mean "onboarding/thanks"?

            """)
        // A rule or step of the loaded rules that has sent nothing yet is no mistake: no warning.
        for quiet in ["birthday", "onboarding/tips"] {
            let unsent = try await CampaigndProcess.run(["--config", config, "log", "--rule", quiet], in: directory)
            #expect(unsent.status == 0 && unsent.stdout == "no rows\n" && unsent.stderr == "", "\(quiet): \(unsent.stderr)")
        }
    }

    @Test("explain --journey shows only that journey; --rule with a step name points to --journey", arguments: StoreKind.allCases)
    func explainJourney(on kind: StoreKind) async throws {
        let (directory, config) = try await CommandLineTests.demoWorkspace(on: kind)
        let all = try await CampaigndProcess.run(["--config", config, "explain", "C0000005", "--at", "2026-11-20"], in: directory)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("\nrule \"") && all.stdout.contains("journey \"new-key-customer\""))
        let one = try await CampaigndProcess.run(
            ["--config", config, "explain", "C0000005", "--at", "2026-11-20", "--journey", "onboarding"], in: directory)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("customer C0000005"))
        #expect(one.stdout.contains("journey \"onboarding\"") && one.stdout.contains("enter when:"))
        #expect(!one.stdout.contains("rule \"") && !one.stdout.contains("journey \"new-key-customer\""))
        // The journey's part is the same as in the full output.
        let part = try #require(one.stdout.range(of: "journey \"onboarding\""))
        #expect(all.stdout.contains(String(one.stdout[part.lowerBound...])))
        let misspelt = try await CampaigndProcess.run(["--config", config, "explain", "C0000005", "--journey", "onbording"], in: directory)
        #expect(misspelt.status == 1 && misspelt.stderr.contains("did you mean \"onboarding\"?"))
        let both = try await CampaigndProcess.run(
            ["--config", config, "explain", "C0000005", "--journey", "onboarding", "--rule", "birthday"], in: directory)
        #expect(both.status == 1 && both.stderr.contains("exclude each other"))
        let step = try await CampaigndProcess.run(["--config", config, "explain", "C0000005", "--rule", "onboarding/thanks"], in: directory)
        #expect(step.status == 1)
        #expect(step.stderr.contains("\"onboarding/thanks\" is a step of journey \"onboarding\", not a rule"))
        #expect(step.stderr.contains("hint: use --journey onboarding"))
    }
}
