import Foundation
import RuleLanguage

extension PlanReport {
    /// What a tick would do for one journey (`plan`; `journeys` in `plan --json`).
    public struct JourneyPlan: Codable, Sendable, Equatable {
        public var journey: String
        public var contentHash: String
        public var entering: Int
        public var enteringHoldout: Int
        public var exitingByGoal: Int
        public var completing: Int
        /// Leaving, by detail (`consent withdrawn`, `step removed`).
        public var leaving: [String: Int]
        public var steps: [StepPlan]

        enum CodingKeys: String, CodingKey {
            case journey, contentHash = "content_hash", entering, enteringHoldout = "entering_holdout"
            case exitingByGoal = "exiting_by_goal", completing, leaving, steps
        }
    }

    /// One step: how many enrolments take it and what becomes of them.
    public struct StepPlan: Codable, Sendable, Equatable {
        public var step: String
        public var advancing: Int
        /// Queued now or held for quiet hours (`held_for_quiet_hours` of them).
        public var wouldSend: Int
        public var heldForQuietHours: Int
        public var holdout: Int
        /// Held at the step by the contact-pressure cap (tried again next tick).
        public var capped: Int
        /// Not sent, by reason (`condition false`, `no_consent`, `suppressed`, `missing_address`).
        public var skipped: [String: Int]

        enum CodingKeys: String, CodingKey {
            case step, advancing, wouldSend = "would_send", heldForQuietHours = "held_for_quiet_hours", holdout, capped, skipped
        }
    }

    /// The journeys part from a rehearsed tick's tallies (only `only`'s when given).
    public static func journeyPlans(_ tallies: [JourneyTally], ruleSet: RuleSet, only: String? = nil) -> [JourneyPlan] {
        tallies.filter { only == nil || $0.journey == only }.map { tally in
            JourneyPlan(
                journey: tally.journey, contentHash: ruleSet.journey(named: tally.journey)?.contentHash ?? "",
                entering: tally.entered, enteringHoldout: tally.enteredHoldout, exitingByGoal: tally.goal,
                completing: tally.completed, leaving: tally.left,
                steps: tally.steps.map { step in
                    StepPlan(
                        step: step.step, advancing: step.advanced, wouldSend: step.queued, heldForQuietHours: step.heldForQuietHours,
                        holdout: step.holdout, capped: step.capped, skipped: step.skipped)
                })
        }
    }

    /// The text `plan` prints for journeys.
    public static func text(journeys: [JourneyPlan]) -> String {
        var out = ""
        for plan in journeys {
            out += "\njourney \"\(plan.journey)\"  version \(plan.contentHash)\n"
            let leaving = plan.leaving.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out += "  entering \(plan.entering) (\(plan.enteringHoldout) holdout), exiting by goal \(plan.exitingByGoal), "
                + "completing \(plan.completing), leaving \(leaving.isEmpty ? "0" : leaving.joined(separator: ", "))\n"
            for step in plan.steps {
                out += "  step \"\(step.step)\": advancing \(step.advancing), would send \(step.wouldSend)"
                if step.heldForQuietHours > 0 { out += " (\(step.heldForQuietHours) after quiet hours)" }
                if step.holdout > 0 { out += ", holdout \(step.holdout)" }
                if step.capped > 0 { out += ", capped (held at the step) \(step.capped)" }
                for (reason, count) in step.skipped.sorted(by: { $0.key < $1.key }) { out += ", skipped \(reason) \(count)" }
                out += "\n"
            }
        }
        return out
    }
}
