import CustomerStore
import Evaluation
import Foundation
import RuleLanguage

/// Compares one instant's expectations with the send log: the rows decided in `window` for the
/// rule (or `journey/step`) and customer, and for rules the evaluator's verdict at the instant
/// (a limit skip is not recorded in the send log; `Outbox`).
struct ExpectationCheck {
    let ruleSet: RuleSet
    let store: CustomerStore
    let settings: EvaluationSettings
    /// The instants whose ticks the expectations look at: after the previous `at`, up to this one.
    let window: ClosedRange<Int64>
    /// The test's previous `at`, or nil for its first.
    let previous: Int64?

    /// Nil when `expectation` holds; else what happened and why.
    func failure(of expectation: TestExpectation, storeID: String?) throws -> RuleTestResult.Failure? {
        let at = InstantText.utc(settings.now)
        guard let storeID else {
            return RuleTestResult.Failure(
                expectation: expectation, at: at, expected: expectation.summary,
                happened: "there is no customer \"\(expectation.customer)\" in this test", explanation: "")
        }
        let rows = try store.sendLog.entries(SendLogFilter(rule: expectation.name, customer: storeID, limit: 100_000)).map(\.record)
            .filter { window.contains($0.decidedAt) }
            .sorted { ($0.decidedAt, $0.id) < ($1.decidedAt, $1.id) }
        let sends = rows.filter { SendStatus.messages.contains($0.status) }
        let explainer = Explainer(ruleSet: ruleSet, settings: settings, dialect: store.dialect)
        let verdict: Verdict? = ruleSet.rule(named: expectation.name) == nil
            ? nil : try explainer.explain(externalID: storeID, only: [expectation.name], in: store)?.rules.first?.verdict
        let holds: Bool
        switch expectation.kind {
        case .send:
            holds = !sends.isEmpty
        case .noSend:
            holds = sends.isEmpty
        case .skip(let reason):
            let recorded = rows.contains { row in
                row.status == .skipped && (reason == nil || row.reason?.replacingOccurrences(of: " ", with: "_") == reason)
            }
            var decided = false
            if case .skip(let skip) = verdict { decided = reason == nil || skip.rawValue == reason }
            holds = sends.isEmpty && (recorded || decided)
        case .holdout:
            holds = sends.isEmpty && (rows.contains { $0.status == .holdout } || verdict == .holdout)
        }
        guard !holds else { return nil }
        return RuleTestResult.Failure(
            expectation: expectation, at: at, expected: expectation.summary,
            happened: happened(expectation, rows: rows, verdict: verdict),
            explanation: try explanation(of: expectation, storeID: storeID, explainer: explainer))
    }

    /// The decisions in the window, in words, or that there were none.
    private func happened(_ expectation: TestExpectation, rows: [SendRecord], verdict: Verdict?) -> String {
        let period = if let previous {
            "after \(InstantText.utc(previous)), up to \(InstantText.utc(window.upperBound))"
        } else if window.lowerBound == window.upperBound {
            "at \(InstantText.utc(window.upperBound))"
        } else {
            "from \(InstantText.utc(window.lowerBound)) to \(InstantText.utc(window.upperBound))"
        }
        var lines = rows.map { row -> String in
            let what: String = switch row.status {
            case .queued, .inFlight, .sent:
                row.dueAt.map { $0 > row.decidedAt ? "sent (held for quiet hours until \(InstantText.utc($0)))" : "sent" } ?? "sent"
            case .holdout: "held out (control group: recorded, not sent)"
            case .skipped: "skipped because \((row.reason ?? "").replacingOccurrences(of: "_", with: " "))"
            case .failed: "failed: \(row.lastError ?? row.reason ?? "")"
            }
            return "\(what) at \(InstantText.utc(row.decidedAt))"
        }
        if lines.isEmpty {
            lines = [expectation.kind == .send || expectation.kind == .noSend
                ? "nothing was sent to \"\(expectation.customer)\" by \"\(expectation.name)\" \(period)"
                : "\"\(expectation.name)\" decided nothing for \"\(expectation.customer)\" \(period)"]
        }
        if let verdict, case .skip(let reason) = verdict, rows.isEmpty {
            lines.append("at \(InstantText.utc(settings.now)) it would be skipped because \(reason.phrase)")
        } else if verdict == .holdout && rows.isEmpty {
            lines.append("at \(InstantText.utc(settings.now)) the customer is in its control group")
        }
        return lines.joined(separator: "; ")
    }

    /// `explain` of the customer at the instant: the rule, or the journey of the step.
    private func explanation(of expectation: TestExpectation, storeID: String, explainer: Explainer) throws -> String {
        let zone = settings.businessTimeZone
        if ruleSet.rule(named: expectation.name) != nil {
            return try explainer.explain(externalID: storeID, only: [expectation.name], in: store)?.text(businessTimeZone: zone) ?? ""
        }
        let journey = expectation.name.split(separator: "/").first.map(String.init)
        let journeys = try explainer.explainJourneys(externalID: storeID, in: store) ?? []
        return journeys.filter { $0.journey.name == journey }.map { $0.text(businessTimeZone: zone) }.joined()
    }
}
