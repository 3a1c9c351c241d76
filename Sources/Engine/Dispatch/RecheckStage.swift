import CustomerStore
import Evaluation
import Foundation

/// The second stage: right before sending, checks again what may have changed since the tick
/// (consent, or for a service message a withdrawal; suppression, the address, the customer's quiet hours; for a journey step's send,
/// the journey's goal). Consent, suppression, the address and the customer's profile were read
/// for the whole claimed batch in the claim's transaction (`ClaimStage`); this stage judges them.
///
/// A journey send whose goal now holds is skipped (`goal reached before dispatch`) and its
/// enrolment ends `goal`; one whose consent was withdrawn ends `left: consent withdrawn`. Only
/// journey sends read (the goal) or write (the enrolment's end) the store here.
struct RecheckStage: Sendable {
    let store: any DispatchStore

    /// What to do with a claimed send.
    enum Verdict: Sendable {
        /// Send it, with this profile.
        case go(CustomerProfile)
        /// Do not send it: erased, no consent, suppressed or an incomplete address.
        case skip(reason: String)
        /// Put it back until the customer's quiet hours end.
        case hold(until: Int64)
    }

    /// The verdict for `send` at `now`, with the rules and channels of `runtime`.
    func recheck(_ send: DueSend, runtime: EngineRuntime, now: Int64) async throws -> Verdict {
        guard let customerID = send.customerID, let found = send.found else { return .skip(reason: "customer erased") }
        let check = found.result
        let customer = found.profile
        if let reason = check.skipReason {
            if reason == .noConsent || reason == .consentWithdrawn, let journey = send.journey {
                try await store.endEnrolment(
                    journey: journey, customerID: customerID, enteredAt: send.record.windowKey, as: .left,
                    detail: "consent withdrawn", at: now)
            }
            return .skip(reason: "\(reason.rawValue) at dispatch")
        }
        if let name = send.journey, let journey = runtime.ruleSet.journey(named: name),
            try await store.goalReached(
                journey, ruleSet: runtime.ruleSet, customer: customerID,
                settings: EvaluationSettings(now: now, businessTimeZone: runtime.businessTimeZone, currency: runtime.currency))
        {
            try await store.endEnrolment(journey: name, customerID: customerID, enteredAt: send.record.windowKey, as: .goal, detail: nil, at: now)
            return .skip(reason: "goal reached before dispatch")
        }
        if let quiet = runtime.quietHours(rule: send.rule, channel: send.channel, journey: send.journey, step: send.step),
            let end = Evaluator.quietHoursEnd(
                quiet, now: now, zone: customer.timeZone.flatMap { TimeZone(identifier: $0) } ?? runtime.businessTimeZone)
        {
            return .hold(until: end)
        }
        return .go(customer)
    }
}
