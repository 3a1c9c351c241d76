import CustomerStore
import Evaluation
import Foundation
import Logging
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
                    minimum: VariantJudge.minimumRecipients * rule.variants.count),
                let winner = Self.judge(rule, policy: policy, complete: rows, at: instant)
            else { continue }
            winners[rule.name] = winner.variant
            guard record else { continue }
            if try store.recordVariantWinner(winner) { Self.logDecided(winner, logger) }
        }
        return winners
    }

    /// The winner `VariantJudge` picks among `rule`'s variants from their complete groups
    /// (`VariantExposure` rows whose window has ended), with the figures that decided it; nil
    /// while no variant wins at the policy's confidence. Both stores' ticks decide with it.
    static func judge(_ rule: Rule, policy: WinnerPolicy, complete rows: [VariantExposure], at instant: Int64) -> VariantWinner? {
        let counts = rule.variants.map { variant in
            let row = rows.first { $0.variant == variant.target && $0.complete }
            return VariantJudge.Count(variant: variant.target, recipients: row?.customers ?? 0, converted: row?.converted ?? 0)
        }
        guard case .winner(let variant, let pValue) = VariantJudge.decide(counts, confidence: policy.confidence) else { return nil }
        let figures = VariantJudge.figures(counts, days: policy.days, confidence: policy.confidence, pValue: pValue)
        return VariantWinner(rule: rule.name, variant: variant, decidedAt: instant, figures: figures)
    }

    /// The log line of a winner just recorded.
    static func logDecided(_ winner: VariantWinner, _ logger: Logger) {
        logger.notice("variant winner decided: new sends go to it", metadata: [
            "rule.name": "\(winner.rule)", "variant.name": "\(winner.variant)", "variant.figures": "\(winner.figures)",
        ])
    }
}
