import Foundation

/// Checks a parsed test file against the rule set it tests: every expectation names a rule or a
/// journey step (`"journey/step"`) and a customer of its test, skip reasons, channels, feedback
/// kinds, time zones and holdout pins are known; with a "did you mean" where one is close.
public enum RuleTestChecker {
    /// The reasons a send is skipped, as the send log and `plan` name them (a journey step's
    /// `condition false` written with an underscore).
    public static let skipReasons = [
        "limit", "capped", "holdout", "no_consent", "suppressed", "quiet_hours", "missing_address", "consent_withdrawn",
        "no_coupon", "condition_false",
    ]
    static let feedbackKinds = ["nps", "csat", "ces"]

    public static func check(_ tests: RuleTestFile, ruleSet: RuleSet) -> [Diagnostic] {
        var diagnostics = DiagnosticCollector()
        let file = tests.file
        let sendNames = ruleSet.rules.map(\.name) + ruleSet.journeys.flatMap { journey in journey.steps.map { journey.sendName(of: $0) } }
        let heldOut = ruleSet.rules.filter { $0.holdoutPercent > 0 }.map(\.name)
            + ruleSet.journeys.filter { $0.holdoutPercent > 0 }.map(\.name)
        func hint(_ name: String, _ candidates: [String], otherwise: String) -> String {
            EditDistance.suggestion(for: name, among: candidates).map { "did you mean \"\($0)\"?" } ?? otherwise
        }
        func checkZone(_ zone: String?, _ range: Range<Int>?) {
            guard let zone, TimeZone(identifier: zone) == nil else { return }
            diagnostics.error("unknown time zone \"\(zone)\"", in: file, at: range, hint: "an IANA name, such as \"Europe/Helsinki\"")
        }
        var testNames: [String: Range<Int>] = [:]
        for test in tests.tests {
            if let first = testNames[test.name] {
                diagnostics.error(
                    "duplicate test \"\(test.name)\"", in: file, at: test.range,
                    notes: [Diagnostic.Note("first defined here", file: file, range: first)])
            } else {
                testNames[test.name] = test.range
            }
            checkZone(test.timeZone, test.timeZoneRange)
            var customers: [String: Range<Int>] = [:]
            for customer in test.customers {
                if let first = customers[customer.name] {
                    diagnostics.error(
                        "duplicate customer \"\(customer.name)\" in test \"\(test.name)\"", in: file, at: customer.range,
                        notes: [Diagnostic.Note("first declared here", file: file, range: first)])
                }
                customers[customer.name] = customer.range
                checkZone(customer.timeZone, customer.timeZoneRange)
                for consent in customer.consents where Channel(rawValue: consent.value.channel) == nil {
                    diagnostics.error(
                        "unknown channel '\(consent.value.channel)'", in: file, at: consent.range,
                        hint: hint(consent.value.channel, Channel.allCases.map(\.rawValue), otherwise: "email, letter or webhook"))
                }
                for answer in customer.feedback where !feedbackKinds.contains(answer.value.kind) {
                    diagnostics.error("unknown feedback kind '\(answer.value.kind)'", in: file, at: answer.range, hint: "nps, csat or ces")
                }
                for pin in customer.holdoutPins {
                    if let name = pin.name, !heldOut.contains(name) {
                        diagnostics.error(
                            "no rule or journey \"\(name)\" with a holdout", in: file, at: pin.range,
                            hint: hint(name, heldOut, otherwise: heldOut.isEmpty ? "no rule or journey here has a holdout" : "one of: \(heldOut.joined(separator: ", "))"))
                    }
                }
            }
            if test.expectations.isEmpty {
                diagnostics.error("test \"\(test.name)\" expects nothing", in: file, at: test.range, hint: "add 'at INSTANT expect send \"RULE\" to \"CUSTOMER\"'")
            }
            for expectation in test.expectations {
                if !sendNames.contains(expectation.name) {
                    diagnostics.error(
                        "no rule or journey step \"\(expectation.name)\"", in: file, at: expectation.nameRange,
                        hint: hint(expectation.name, sendNames, otherwise: "a rule's name, or \"journey/step\""))
                }
                if customers[expectation.customer] == nil {
                    diagnostics.error(
                        "no customer \"\(expectation.customer)\" in test \"\(test.name)\"", in: file, at: expectation.customerRange,
                        hint: hint(expectation.customer, Array(customers.keys), otherwise: "declare it with customer \"\(expectation.customer)\" { … }"))
                }
                if case .skip(let reason?) = expectation.kind, !skipReasons.contains(reason) {
                    diagnostics.error(
                        "unknown skip reason '\(reason)'", in: file, at: expectation.reasonRange,
                        hint: hint(reason, skipReasons, otherwise: "one of: \(skipReasons.joined(separator: ", "))"))
                }
            }
        }
        return diagnostics.diagnostics
    }
}
