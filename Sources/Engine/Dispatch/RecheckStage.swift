import CustomerStore
import Evaluation
import Foundation

/// The second stage: right before sending, checks again what may have changed since the tick
/// (consent, suppression, the address, the customer's quiet hours), and reads the customer's
/// profile for the message in the same snapshot.
///
/// Takes one claimed send; a batched form would take the claimed batch (for example inside the
/// claim's transaction) and answer one `Verdict` per send.
struct RecheckStage: Sendable {
    let store: CustomerStore

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
        guard let customerID = send.customerID,
            let (check, customer) = try await ConsentCheck.recheck(customer: customerID, channel: send.channel, now: now, in: store)
        else { return .skip(reason: "customer erased") }
        if let reason = check.skipReason { return .skip(reason: "\(reason.rawValue) at dispatch") }
        if let quiet = runtime.quietHours(rule: send.rule, channel: send.channel),
            let end = Evaluator.quietHoursEnd(
                quiet, now: now, zone: customer.timeZone.flatMap { TimeZone(identifier: $0) } ?? runtime.businessTimeZone)
        {
            return .hold(until: end)
        }
        return .go(customer)
    }
}
