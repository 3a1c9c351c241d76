import CustomerStore
import RuleLanguage

/// The verdict on one row of a rule's audience query (`Evaluator.audienceQuery`), whichever store
/// ran it: a limit hit, no consent, a suppression or no address skip; then the contact-pressure
/// cap, the holdout, the variant, quiet hours. One per rule and evaluation: what the rule fixes
/// is worked out once, not per row.
struct RuleDecider {
    let rule: Rule
    let settings: EvaluationSettings
    let countsTowardCap: Bool
    let quietHours: QuietHours?
    let holdoutBasisPoints: Int
    let ruleHash: UInt64
    let chooser: VariantChooser?

    init(rule: Rule, settings: EvaluationSettings) {
        self.rule = rule
        self.settings = settings
        countsTowardCap = settings.capEnabled && EvaluationSettings.countsTowardCap(rule.channel, rule.purpose)
        quietHours = settings.quietHours(for: rule)
        holdoutBasisPoints = HoldoutHash.basisPoints(rule.holdoutPercent)
        ruleHash = HoldoutHash.ruleState(rule.name)
        chooser = rule.variants.isEmpty
            ? nil : VariantChooser(variants: rule.variants, rule: rule.name, winner: settings.winners[rule.name])
    }

    /// The verdict and the chosen variant's index for one audience row; a send takes its place
    /// under the cap (`messages`) and counts for its variant (`tally`). `timeZone` reads the
    /// customer's zone, only for a rule with quiet hours.
    @inline(__always)
    func decide(
        customerID: Int64, externalID: UnsafeRawBufferPointer, limitHit: Bool, consented: Bool, suppressed: Bool,
        hasAddress: Bool, timeZone: () -> String?, messages: inout MessageCounter, tally: inout RuleTally
    ) -> (verdict: Verdict, variant: Int?) {
        if limitHit { return (.skip(.limit), nil) }
        if !consented { return (.skip(rule.purpose == .service ? .consentWithdrawn : .noConsent), nil) }
        if suppressed { return (.skip(.suppressed), nil) }
        if !hasAddress { return (.skip(.missingAddress), nil) }
        if countsTowardCap && messages.count(customerID) >= settings.contactPressureMessages { return (.skip(.capped), nil) }
        if holdoutBasisPoints > 0 && HoldoutHash.bucket(ruleState: ruleHash, customer: externalID) < holdoutBasisPoints {
            return (.holdout, nil)
        }
        if countsTowardCap { messages.add(customerID) }
        var variant: Int?
        if let chooser {
            let index = chooser.index(customer: externalID)
            tally.variantCounts[index] += 1
            variant = index
        }
        if let quietHours,
            let end = Evaluator.quietHoursEnd(
                quietHours, now: settings.now,
                zone: TimeZoneCache.shared.zone(timeZone(), fallback: settings.businessTimeZone))
        {
            return (.hold(until: end), variant)
        }
        return (.send, variant)
    }

    /// Counts `verdict` in the rule's tally: a skip by reason (in `skipped`, indexed by
    /// `SkipReason.index`), else a send offered to the sample.
    @inline(__always)
    func count(_ verdict: Verdict, customerID: Int64, externalID: UnsafeRawBufferPointer, skipped: inout [Int], tally: inout RuleTally) {
        if let reason = verdict.planReason {
            skipped[reason.index] += 1
        } else {
            tally.wouldSend += 1
            tally.offerSample(customerID, externalID, size: settings.sampleSize)
        }
    }
}
