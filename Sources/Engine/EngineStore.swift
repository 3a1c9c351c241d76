import CustomerStore
import Evaluation
import Foundation
import Logging
import RuleLanguage

/// What the engine needs from a store: a tick, the dispatcher's view (`DispatchStore`), consent
/// withdrawals for one-click unsubscribe, a ping and the queue's depth. The SQLite store serves
/// one daemon (`CustomerStore`); a PostgreSQL store serves several (`PostgresEngineStore`).
public protocol EngineStore: Sendable {
    /// How the dispatcher claims, records and recovers sends in this store.
    var dispatch: any DispatchStore { get }

    /// Where one-click unsubscribes write.
    var consents: any ConsentWithdrawing { get }

    /// Evaluates `ruleSet` at `settings.now` and records the decisions; nil when another
    /// daemon's tick holds the store's tick lock (that tick records the same decisions).
    func tick(ruleSet: RuleSet, settings: EvaluationSettings, slices: Int, clock: any EngineClock, logger: Logger) async throws
        -> Outbox.TickSummary?

    /// Journey enrolments by journey, step and end (logged on a reload that edits a journey).
    func journeyCounts(now: Int64) async throws -> [JourneyCounts]

    /// Queued sends due at `now`.
    func dueCount(now: Int64) async throws -> Int

    /// Queued sends, due now or later.
    func queuedCount() async throws -> Int

    /// Answers when the store does (the watchdog and `/healthz`).
    func ping() async throws

    /// `error` as an error naming `operation` and the store, with a hint.
    func explaining(_ error: any Error, operation: String) -> any Error

    /// How often a running daemon writes its heartbeat, or nil when the store has one daemon
    /// (SQLite) and keeps none.
    var heartbeatSeconds: Double? { get }

    /// Writes this daemon's heartbeat: campaignd's `version` and its listener's address.
    func heartbeat(version: String, http: String?) async throws

    /// Marks this daemon stopped (a graceful shutdown).
    func signOff() async throws
}

/// The SQLite store: one daemon per store; its tick runs in one write transaction (`Outbox`).
extension CustomerStore: EngineStore {
    public var dispatch: any DispatchStore { self }

    public var consents: any ConsentWithdrawing { self }

    public func tick(ruleSet: RuleSet, settings: EvaluationSettings, slices: Int, clock: any EngineClock, logger: Logger) async throws
        -> Outbox.TickSummary?
    {
        try Outbox(store: self, clock: clock, logger: logger).tick(ruleSet: ruleSet, settings: settings, slices: slices)
    }

    public func journeyCounts(now: Int64) async throws -> [JourneyCounts] {
        try enrolments.counts(now: now)
    }

    public func dueCount(now: Int64) async throws -> Int {
        try sendLog.dueCount(now: now)
    }

    public func queuedCount() async throws -> Int {
        try sendLog.queuedCount()
    }

    public var heartbeatSeconds: Double? { nil }

    public func heartbeat(version: String, http: String?) async throws {}

    public func signOff() async throws {}
}
