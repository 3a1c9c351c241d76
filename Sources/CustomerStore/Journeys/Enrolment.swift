import GRDB

/// One customer's passage through a journey, from one entry (`enrolment` row).
public struct Enrolment: Codable, Sendable, Equatable, FetchableRecord, SQLRowDecodable {
    public var id: Int64
    public var journey: String
    /// Nil once the customer is erased.
    public var customerID: Int64?
    /// The tick's instant at entry: with journey and customer, the entry occurrence.
    public var enteredAt: Int64
    /// The content hash of the journey version the enrolment last advanced under.
    public var journeyHash: String
    /// In the journey's control group, decided at entry: steps are recorded as `holdout`, never sent.
    public var holdout: Bool
    /// The step taken next (while active), or the step it was at when it ended.
    public var step: String
    /// When the enrolment reached `step` (the instant the wait before it started).
    public var stepSince: Int64
    /// When the wait before `step` ends (UTC), computed once when the wait started.
    public var waitEndsAt: Int64
    /// Nil while active.
    public var ended: EnrolmentEnd?
    /// Why it left (`consent withdrawn`, `erased`, `step removed`), for `left`.
    public var endedDetail: String?
    public var endedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, journey, holdout, step, ended
        case customerID = "customer_id", enteredAt = "entered_at", journeyHash = "journey_hash", stepSince = "step_since"
        case waitEndsAt = "wait_ends_at", endedDetail = "ended_detail", endedAt = "ended_at"
    }
}

/// How an enrolment ended (`enrolment.ended`).
public enum EnrolmentEnd: String, Codable, Sendable, CaseIterable {
    /// After the last step.
    case completed
    /// The journey's exit condition (its goal) held.
    case goal
    /// Consent withdrawn, erased, or its step removed by an edit (the detail says which).
    case left
}

/// An enrolment with the customer's external id, for `explain` and `journeys`.
public struct EnrolmentEntry: Sendable, Equatable {
    public var enrolment: Enrolment
    /// Nil once the customer is erased.
    public var externalID: String?
}

/// How many enrolments of one journey are where (`campaignd journeys`).
public struct JourneyCounts: Sendable, Equatable {
    public var journey: String
    /// Active enrolments by the step they take next.
    public var activeByStep: [String: Int] = [:]
    /// Of those, the ones whose wait has not ended at the instant asked about.
    public var waitingByStep: [String: Int] = [:]
    /// Ended enrolments by how (`completed`, `goal`, `left: step removed`, …).
    public var endedByReason: [String: Int] = [:]
    /// Active enrolments by the journey version (content hash) they last advanced under.
    public var activeByVersion: [String: Int] = [:]
    /// Active enrolments by step, then by version.
    public var activeByStepAndVersion: [String: [String: Int]] = [:]

    public init(journey: String) {
        self.journey = journey
    }

    public var active: Int { activeByStep.values.reduce(0, +) }

    /// Active enrolments per journey, step and version, and of those the ones still waiting at
    /// the argument (`now`). Runs on either store.
    public static let activeSQL = """
        SELECT journey, step, journey_hash, count(*), count(*) FILTER (WHERE wait_ends_at > ?) FROM enrolment
        WHERE ended IS NULL GROUP BY journey, step, journey_hash
        """
    /// Ended enrolments per journey and how they ended (`left: step removed`). Runs on either store.
    public static let endedSQL = """
        SELECT journey, ended || coalesce(': ' || ended_detail, ''), count(*) FROM enrolment
        WHERE ended IS NOT NULL GROUP BY 1, 2
        """

    /// The counts of `activeSQL`'s and `endedSQL`'s rows, one per journey, by journey name.
    public static func tally(
        active: [(journey: String, step: String, version: String, customers: Int, waiting: Int)],
        ended: [(journey: String, reason: String, enrolments: Int)]
    ) -> [JourneyCounts] {
        var byJourney: [String: JourneyCounts] = [:]
        for row in active {
            var counts = byJourney[row.journey] ?? JourneyCounts(journey: row.journey)
            counts.activeByStep[row.step, default: 0] += row.customers
            counts.waitingByStep[row.step, default: 0] += row.waiting
            counts.activeByVersion[row.version, default: 0] += row.customers
            counts.activeByStepAndVersion[row.step, default: [:]][row.version, default: 0] += row.customers
            byJourney[row.journey] = counts
        }
        for row in ended {
            byJourney[row.journey, default: JourneyCounts(journey: row.journey)].endedByReason[row.reason, default: 0] += row.enrolments
        }
        return byJourney.values.sorted { $0.journey < $1.journey }
    }
}
