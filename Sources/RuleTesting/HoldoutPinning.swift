import Foundation
import Evaluation
import RuleLanguage

/// Pins a test customer in or out of control groups without touching how holdouts are decided:
/// membership is a stable hash of (rule, customer id), so the customer's id in the scratch store
/// is chosen to land where the test asks (`a`, else `a~1`, `a~2`, …).
enum HoldoutPinning {
    struct Impossible: Error, CustomStringConvertible {
        let description: String
    }

    /// The store id for `customer`: its name when the name already satisfies its pins.
    static func storeID(for customer: TestCustomer, ruleSet: RuleSet) throws -> String {
        guard !customer.holdoutPins.isEmpty else { return customer.name }
        let groups = ruleSet.rules.filter { $0.holdoutPercent > 0 }.map { ($0.name, $0.holdoutPercent) }
            + ruleSet.journeys.filter { $0.holdoutPercent > 0 }.map { ($0.name, $0.holdoutPercent) }
        var wanted: [(name: String, percent: Decimal, inside: Bool)] = []
        for pin in customer.holdoutPins {
            for group in groups where pin.name == nil || pin.name == group.0 {
                wanted.removeAll { $0.name == group.0 }
                wanted.append((group.0, group.1, pin.inside))
            }
        }
        for attempt in 0..<100_000 {
            let candidate = attempt == 0 ? customer.name : "\(customer.name)~\(attempt)"
            if wanted.allSatisfy({ HoldoutHash.isHeldOut(rule: $0.name, customer: candidate, percent: $0.percent) == $0.inside }) {
                return candidate
            }
        }
        throw Impossible(description: "no customer id puts \"\(customer.name)\" in and out of those holdouts at once")
    }
}
