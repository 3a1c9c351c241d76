import CustomerStore
import Evaluation
import Foundation
import Logging
import PostgresStore
import RuleLanguage

/// A PostgreSQL store shared by several daemons, as one daemon's engine sees it: ticks under the
/// store's tick lock (`PostgresOutbox`), dispatch with claims leased to this
/// daemon (`PostgresDispatchStore`), and a heartbeat under the same owner id as its claims, so
/// `campaignd status` can say which daemon holds which sends.
public struct PostgresEngineStore: EngineStore {
    public let store: PostgresStore
    public let leased: PostgresDispatchStore

    /// This daemon's view of `store`, its claims leased for `leaseSeconds`.
    public init(store: PostgresStore, leaseSeconds: Int64) {
        self.store = store
        self.leased = PostgresDispatchStore(store: store, leaseSeconds: leaseSeconds)
    }

    public var dispatch: any DispatchStore { leased }

    public var consents: any ConsentWithdrawing { store }

    public func tick(ruleSet: RuleSet, settings: EvaluationSettings, slices: Int, clock: any EngineClock, logger: Logger) async throws
        -> Outbox.TickSummary?
    {
        try await PostgresOutbox(store: store, clock: clock, logger: logger).tick(ruleSet: ruleSet, settings: settings)
    }

    public func journeyCounts(now: Int64) async throws -> [JourneyCounts] {
        try await store.journeyCounts(now: now)
    }

    public func dueCount(now: Int64) async throws -> Int {
        try await store.dueCount(now: now)
    }

    public func queuedCount() async throws -> Int {
        try await store.queuedCount()
    }

    public func ping() async throws {
        try await store.ping()
    }

    public func explaining(_ error: any Error, operation: String) -> any Error {
        store.explaining(error, operation: operation)
    }

    /// As often as the leases are renewed.
    public var heartbeatSeconds: Double? { leased.claimRenewalSeconds }

    public func heartbeat(version: String, http: String?) async throws {
        try await store.heartbeat(owner: leased.owner, version: version, http: http)
    }

    public func signOff() async throws {
        try await store.signOff(owner: leased.owner)
    }
}
