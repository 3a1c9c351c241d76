@testable import CustomerStore
import Engine
import Evaluation
import GRDB
import PostgresStore
import RuleLanguage
import Testing
import TestSupport

/// On both stores: SQLite's claim and re-check (`ConsentCheck.claimAndRecheck`), and a
/// PostgreSQL dispatcher's (`PostgresDispatchStore.claimAndRecheck`: the same re-check read in its
/// claim's transaction) on a copy of the same store.
@Suite("dispatch re-check: the claimed batch read in the claim's transaction")
struct ConsentRecheckBatchTests {
    /// Claims up to `limit` sends due at `now` on `kind` and re-checks them; and the number of
    /// rows then in flight.
    static func claim(
        _ limit: Int, now: Int64, from store: CustomerStore, on kind: StoreKind
    ) async throws -> (claimed: [(send: SendRecord, recheck: ConsentCheck.Recheck?)], inFlight: Int) {
        let inFlightSQL = "SELECT count(*) FROM send WHERE status = 'in_flight'"
        guard kind == .postgres else {
            let claimed = try await ConsentCheck.claimAndRecheck(limit: limit, now: now, in: store)
            return (claimed, try await store.database.read { try Int.fetchOne($0, sql: inFlightSQL) ?? -1 })
        }
        let server = try PostgresServer.shared()
        let copy = try await server.copy(of: store)
        defer { Task { await copy.store.close() } }
        let claimed = try await PostgresDispatchStore(store: copy.store).claimAndRecheck(limit: limit, now: now)
        let inFlight = Int(try server.psql(inFlightSQL, database: copy.database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        return (claimed, inFlight)
    }

    @Test("each claimed send gets the same checks and profile as the one-customer re-check, and is in flight", arguments: StoreKind.allCases)
    func batchMatchesOneByOne(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture()
        let granted = try fx.customer("GRANTED")
        let withdrawn = try fx.customer("WITHDRAWN")
        try fx.consent(withdrawn, .email, granted: false, at: "2026-01-01")
        let none = try fx.customer("NONE", emailConsent: false)
        let suppressed = try fx.customer("SUPPRESSED", email: "gone@example.fi")
        try fx.suppress(.email, "gone@example.fi")
        let noStreet = try fx.customer("NOSTREET", street: nil)
        try fx.consent(noStreet, .letter, granted: true, at: "2020-01-01")
        let erased = try fx.customer("ERASED")
        let now = fx.time("2026-06-01T12:00:00Z")
        let queued = fx.time("2026-06-01T11:00:00Z")
        func due(_ rule: String, _ customer: Int64, channel: String = "email") -> SendDecision {
            StoreFixture.send(rule, customer: customer, at: queued, status: .queued, channel: channel, dueAt: queued)
        }
        try fx.fixture.sends([
            due("a", granted), due("a", withdrawn), due("a", none), due("a", suppressed), due("a", erased),
            due("b", noStreet, channel: "letter"), due("c", granted, channel: "webhook"), due("c", withdrawn, channel: "webhook"),
        ])
        // Erased while queued: the row keeps no customer.
        try await fx.store.database.write { try $0.execute(sql: "UPDATE send SET customer_id = NULL WHERE customer_id = ?", arguments: [erased]) }

        let (claimed, inFlight) = try await Self.claim(100, now: now, from: fx.store, on: kind)
        #expect(claimed.count == 8)
        #expect(inFlight == 8)
        var skipReasons: [String: String] = [:]
        for (send, recheck) in claimed {
            guard let customer = send.customerID else {
                #expect(recheck == nil, "an erased customer has nothing to re-check")
                continue
            }
            let channel = try #require(Channel(rawValue: send.channel))
            let purpose = MessagePurpose(rawValue: send.purpose) ?? .marketing
            let one = try #require(try await ConsentCheck.recheck(customer: customer, channel: channel, purpose: purpose, now: now, in: fx.store))
            let batch = try #require(recheck)
            #expect(batch.result == one.result, "send \(send.rule) to \(customer) on \(channel)")
            #expect(batch.profile == one.profile)
            skipReasons["\(batch.profile.externalID)/\(channel.rawValue)"] = batch.result.skipReason?.rawValue ?? "ok"
        }
        #expect(skipReasons["GRANTED/email"] == "ok")
        #expect(skipReasons["WITHDRAWN/email"] == SkipReason.noConsent.rawValue)
        #expect(skipReasons["NONE/email"] == SkipReason.noConsent.rawValue)
        #expect(skipReasons["SUPPRESSED/email"] == SkipReason.suppressed.rawValue)
        #expect(skipReasons["NOSTREET/letter"] == SkipReason.missingAddress.rawValue)
        #expect(skipReasons.count == 7)
    }

    @Test("nothing due: nothing claimed, nothing read", arguments: StoreKind.allCases)
    func nothingDue(on kind: StoreKind) async throws {
        let fx = try EvaluationFixture()
        let customer = try fx.customer("LATER")
        let later = fx.time("2026-06-02T00:00:00Z")
        try fx.fixture.sends([StoreFixture.send("a", customer: customer, at: later, status: .queued, dueAt: later)])
        let (claimed, inFlight) = try await Self.claim(10, now: fx.time("2026-06-01T00:00:00Z"), from: fx.store, on: kind)
        #expect(claimed.isEmpty && inFlight == 0)
    }
}
