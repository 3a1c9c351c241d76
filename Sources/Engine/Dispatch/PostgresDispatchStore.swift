import CustomerStore
import Evaluation
import Foundation
import PostgresStore
import RuleLanguage
import Synchronization

/// A dispatcher's view of a PostgreSQL store shared with other daemons: its claims carry its own
/// owner id and a lease of `leaseSeconds` (timed by the database server's clock), renewed every
/// third of that while it sends; rows whose lease ran out (their dispatcher died) are put back in
/// the queue, at most once per renewal interval (of the engine's clock), before a claim
/// (`PostgresStore.recoverExpiredClaims`).
///
/// A live dispatcher's rows are never taken: its leases are renewed long before they run out.
/// A dispatcher that cannot reach the store for longer than a lease may find its rows resent by
/// another daemon — the resend bound of a crash (docs/reliability.md).
public final class PostgresDispatchStore: DispatchStore {
    public let store: PostgresStore
    /// Who claims: unique per running dispatcher (host, process id and a random part).
    public let owner: String
    public let leaseSeconds: Int64
    private let nextRecovery = Mutex<Int64>(.min)
    /// The rows this dispatcher claimed and has not recorded yet: the only ones it renews. A
    /// claim whose reply was lost (the connection closed after the server committed it) leaves
    /// rows marked with this owner that no send holds; not renewed, their lease runs out and
    /// they are resent like a dead dispatcher's.
    private let held = Mutex<Set<Int64>>([])

    public init(store: PostgresStore, owner: String = PostgresDispatchStore.newOwner(), leaseSeconds: Int64 = 60) {
        self.store = store
        self.owner = owner
        self.leaseSeconds = max(leaseSeconds, 3)
    }

    /// `host:pid:random`, unique to this process's dispatcher.
    public static func newOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }

    public func claimAndRecheck(limit: Int, now: Int64) async throws -> [(send: SendRecord, recheck: ConsentCheck.Recheck?)] {
        let recoverNow = nextRecovery.withLock { next in
            guard now >= next else { return false }
            next = now + leaseSeconds / 3
            return true
        }
        if recoverNow { _ = try await store.recoverExpiredClaims(now: now) }
        let dialect = store.dialect
        let (sends, checks) = try await store.claimDue(limit: limit, now: now, owner: owner, leaseSeconds: leaseSeconds) { reader, sends in
            try await ConsentCheck.recheck(sends, now: now, dialect: dialect, reading: reader)
        }
        held.withLock { $0.formUnion(sends.map(\.id)) }
        return zip(sends, checks).map { (send: $0, recheck: $1) }
    }

    public func record(_ outcomes: [SendOutcome]) async throws {
        try await store.record(outcomes)
        held.withLock { $0.subtract(outcomes.map(\.send.id)) }
    }

    public func recoverInFlight(now: Int64) async throws -> Int {
        nextRecovery.withLock { $0 = now + leaseSeconds / 3 }
        return try await store.recoverExpiredClaims(now: now)
    }

    public var claimRenewalSeconds: Double? { Double(leaseSeconds) / 3 }

    public func renewClaims(now: Int64) async throws {
        let ids = held.withLock { Array($0) }
        guard !ids.isEmpty else { return }
        try await store.renewClaims(owner: owner, ids: ids, leaseSeconds: leaseSeconds)
    }

    public func nextDue() async throws -> Int64? {
        try await store.nextDue()
    }

    public func endEnrolment(
        journey: String, customerID: Int64, enteredAt: Int64, as end: EnrolmentEnd, detail: String?, at instant: Int64
    ) async throws {
        try await store.endEnrolment(journey: journey, customerID: customerID, enteredAt: enteredAt, as: end, detail: detail, at: instant)
    }

    public func goalReached(_ journey: Journey, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings) async throws -> Bool {
        let dialect = store.dialect
        return try await store.inSnapshot { snapshot in
            try await JourneyCheck.goalReached(journey, ruleSet: ruleSet, customer: customer, settings: settings, dialect: dialect, reading: snapshot)
        }
    }

    public func explaining(_ error: any Error, operation: String) -> any Error {
        store.explaining(error, operation: operation)
    }
}
