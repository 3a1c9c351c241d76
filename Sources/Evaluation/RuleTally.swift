import RuleLanguage

/// Counts for one rule in one evaluation: what `plan` shows.
public struct RuleTally: Sendable {
    public let rule: String
    /// False when the rule's `active from … until …` window excludes `now`; nothing is counted then.
    public let active: Bool
    /// Customers whose condition holds.
    public internal(set) var matched = 0
    /// Customers who would be sent the message now.
    public internal(set) var wouldSend = 0
    /// Matched customers not sent now, by reason (quiet hours: held, sent later).
    public internal(set) var skipped: [SkipReason: Int] = [:]
    /// For a rule with variants: of `wouldSend`, how many go to each variant, in the rule's order.
    public internal(set) var variantCounts: [Int]
    /// The customers (external ids) with the lowest internal ids among those who would be sent
    /// the message now: the same whatever order or slices the rows came in.
    public var sample: [String] { sampled.map(\.externalID) }
    private(set) var sampled: [(id: Int64, externalID: String)] = []
    /// Wall-clock time the rule's query and verdicts took.
    public internal(set) var duration: Duration = .zero

    init(rule: String, active: Bool, variants: Int = 0) {
        self.rule = rule
        self.active = active
        variantCounts = Array(repeating: 0, count: variants)
    }

    /// Keeps the customer in the sample if it is among the `size` lowest ids seen so far.
    mutating func offerSample(_ id: Int64, _ externalID: UnsafeRawBufferPointer, size: Int) {
        guard size > 0, sampled.count < size || id < sampled[sampled.count - 1].id else { return }
        let position = sampled.firstIndex { $0.id > id } ?? sampled.count
        sampled.insert((id, String(decoding: externalID, as: UTF8.self)), at: position)
        if sampled.count > size { sampled.removeLast() }
    }

    /// Merges another slice's sample, keeping the `size` lowest ids.
    mutating func mergeSample(_ other: RuleTally, size: Int) {
        sampled = Array((sampled + other.sampled).sorted { $0.id < $1.id }.prefix(size))
    }

    /// Counts a send (or a send held for quiet hours) as capped instead: a journey step of
    /// higher priority took its place in the same tick (`JourneyTally.displaced`). The sample
    /// keeps the customer.
    public mutating func displace(held: Bool) {
        if held {
            skipped[.quietHours, default: 0] -= 1
            if skipped[.quietHours] == 0 { skipped[.quietHours] = nil }
        } else {
            wouldSend -= 1
        }
        skipped[.capped, default: 0] += 1
    }

    /// `tallies` with the sends the journeys displaced counted as capped.
    public static func displacing(_ journeys: [JourneyTally], in tallies: [RuleTally]) -> [RuleTally] {
        var tallies = tallies
        for displaced in journeys.flatMap(\.displaced) {
            if let index = tallies.firstIndex(where: { $0.rule == displaced.rule }) { tallies[index].displace(held: displaced.held) }
        }
        return tallies
    }

    mutating func add(skipped counts: [Int]) {
        for (index, count) in counts.enumerated() where count > 0 {
            skipped[SkipReason.allCases[index], default: 0] += count
            matched += count
        }
    }
}
