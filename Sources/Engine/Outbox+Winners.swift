import CustomerStore
import Evaluation
import Foundation
import Reporting
import RuleLanguage

extension Outbox {
    /// The recorded A/B winners, by rule, after deciding those that are due: for each rule with
    /// `winner after N days at P%` and no winner yet, `VariantJudge` on its variants' recipients
    /// whose N-day window has ended by `instant` (read only once the rule has enough such sends:
    /// `SendLog.completeVariantExposure`). A decision is written (with its figures) and
    /// logged unless `record` is false (a rehearsal); a recorded winner is never replaced here.
    func decideVariantWinners(ruleSet: RuleSet, at instant: Int64, record: Bool) throws -> [String: String] {
        var winners: [String: String] = [:]
        for winner in try store.variantWinners() { winners[winner.rule] = winner.variant }
        for rule in ruleSet.rules {
            guard let policy = rule.winner, winners[rule.name] == nil else { continue }
            // Read only once enough sends are old enough for the judge to decide.
            guard
                let rows = try store.sendLog.completeVariantExposure(
                    rule: rule.name, now: instant, windowSeconds: Int64(policy.days) * 86_400,
                    minimum: VariantJudge.minimumRecipients * rule.variants.count)
            else { continue }
            let counts = rule.variants.map { variant in
                let row = rows.first { $0.variant == variant.target && $0.complete }
                return VariantJudge.Count(variant: variant.target, recipients: row?.customers ?? 0, converted: row?.converted ?? 0)
            }
            guard case .winner(let variant, let pValue) = VariantJudge.decide(counts, confidence: policy.confidence) else {
                continue
            }
            winners[rule.name] = variant
            guard record else { continue }
            let figures = VariantJudge.figures(counts, days: policy.days, confidence: policy.confidence, pValue: pValue)
            if try store.recordVariantWinner(VariantWinner(rule: rule.name, variant: variant, decidedAt: instant, figures: figures)) {
                logger.notice("variant winner decided: new sends go to it", metadata: [
                    "rule.name": "\(rule.name)", "variant.name": "\(variant)", "variant.figures": "\(figures)",
                ])
            }
        }
        return winners
    }
}
