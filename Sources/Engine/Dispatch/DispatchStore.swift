import CustomerStore
import Evaluation
import RuleLanguage

/// What the dispatcher needs from a store: claims with their re-check, outcomes, crash
/// recovery, the queue's state, and a journey send's goal and end. The SQLite store serves one
/// daemon (`CustomerStore`); the PostgreSQL store serves several, each claim leased to the
/// daemon that made it (`PostgresDispatchStore`).
public protocol DispatchStore: Sendable {
    /// Marks up to `limit` sends due at `now` in flight, earliest first, and reads their
    /// re-check in the same committed transaction, before any I/O.
    func claimAndRecheck(limit: Int, now: Int64) async throws -> [(send: SendRecord, recheck: ConsentCheck.Recheck?)]

    /// Writes `outcomes` in one transaction: all of them or none.
    func record(_ outcomes: [SendOutcome]) async throws

    /// Puts sends a crashed dispatcher left in flight back in the queue, due by `now`, with
    /// their send ids; returns how many.
    func recoverInFlight(now: Int64) async throws -> Int

    /// How often a running dispatch renews its claims (`renewClaims(now:)`), or nil when claims
    /// do not expire.
    var claimRenewalSeconds: Double? { get }

    /// Keeps this dispatcher's in-flight claims from expiring.
    func renewClaims(now: Int64) async throws

    /// The earliest due time of a queued send, if any.
    func nextDue() async throws -> Int64?

    /// Ends the journey enrolment a send belongs to (see `Enrolments.end`).
    func endEnrolment(journey: String, customerID: Int64, enteredAt: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64)
        async throws

    /// Whether `journey`'s goal holds for `customer` now.
    func goalReached(_ journey: Journey, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings) async throws -> Bool

    /// `error` as an error naming `operation` and the store, with a hint.
    func explaining(_ error: any Error, operation: String) -> any Error
}

/// The SQLite store: one daemon per store, so every in-flight row at a start is a crash leftover.
extension CustomerStore: DispatchStore {
    public func claimAndRecheck(limit: Int, now: Int64) async throws -> [(send: SendRecord, recheck: ConsentCheck.Recheck?)] {
        try await ConsentCheck.claimAndRecheck(limit: limit, now: now, in: self)
    }

    public func record(_ outcomes: [SendOutcome]) async throws {
        try await sendLog.record(outcomes)
    }

    public func recoverInFlight(now: Int64) async throws -> Int {
        try sendLog.recoverInFlight(now: now)
    }

    public var claimRenewalSeconds: Double? { nil }

    public func renewClaims(now: Int64) async throws {}

    public func nextDue() async throws -> Int64? {
        try sendLog.nextDue()
    }

    public func endEnrolment(
        journey: String, customerID: Int64, enteredAt: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64
    ) async throws {
        _ = try await enrolments.end(journey: journey, customerID: customerID, enteredAt: enteredAt, as: end, detail: detail, at: instant)
    }

    public func goalReached(_ journey: Journey, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings) async throws -> Bool {
        try await JourneyCheck.goalReached(journey, ruleSet: ruleSet, customer: customer, settings: settings, in: self)
    }
}
