import CustomerStore
import RuleLanguage

/// What a new version of the journeys changes for customers already in them: one line per change
/// that affects someone ("12 customers wait before step 'tips' of journey 'onboarding', which
/// this version removes: they leave at the next tick"), for the reload log and `check`.
public enum JourneyEdits {
    /// The changes a reload from `old` to `new` makes: a journey whose content hash is unchanged
    /// changes nothing.
    public static func describe(from old: RuleSet, to new: RuleSet, counts: [JourneyCounts]) -> [String] {
        describe(to: new, counts: counts.filter { old.journey(named: $0.journey) != nil }) { count, step, waiting in
            old.journey(named: count.journey)?.contentHash == new.journey(named: count.journey)?.contentHash ? 0 : waiting
        }
    }

    /// The changes loading `new` would make, judged from the store alone (`check`): customers
    /// whose enrolment last advanced under another version of the journey than `new`'s.
    public static func describe(against new: RuleSet, counts: [JourneyCounts]) -> [String] {
        describe(to: new, counts: counts) { count, step, _ in
            let hash = new.journey(named: count.journey)?.contentHash
            return (count.activeByStepAndVersion[step] ?? [:]).filter { $0.key != hash }.values.reduce(0, +)
        }
    }

    /// The lines for `counts`; `changed(count, step, active)` is how many of the `active`
    /// enrolments at a step `new` keeps meet another version of the journey than `new`'s.
    private static func describe(
        to new: RuleSet, counts: [JourneyCounts], changed: (JourneyCounts, String, Int) -> Int
    ) -> [String] {
        var lines: [String] = []
        for count in counts where count.active > 0 {
            guard let after = new.journey(named: count.journey) else {
                lines.append(
                    "\(customers(count.active)) in journey '\(count.journey)', which this version removes: "
                        + "they stay where they are until it comes back")
                continue
            }
            for (step, active) in count.activeByStep.sorted(by: { $0.key < $1.key }) {
                let removed = after.step(named: step) == nil
                // Whatever version they met, customers at a removed step leave.
                let waiting = removed ? active : changed(count, step, active)
                guard waiting > 0 else { continue }
                let verb = waiting == 1 ? "waits" : "wait"
                if removed {
                    lines.append(
                        "\(customers(waiting)) \(verb) before step '\(step)' of journey '\(count.journey)', which this version "
                            + "removes: they leave at the next tick")
                } else {
                    lines.append(
                        "\(customers(waiting)) \(verb) before step '\(step)' of journey '\(count.journey)': they take this "
                            + "version's step, their wait ends as it was set")
                }
            }
        }
        return lines
    }

    private static func customers(_ n: Int) -> String { n == 1 ? "1 customer" : "\(n) customers" }
}
