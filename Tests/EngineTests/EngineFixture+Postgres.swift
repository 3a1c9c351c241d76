@testable import CustomerStore
import Engine
import Evaluation
import Foundation
import GRDB
import PostgresStore
import Synchronization
import Testing
import TestSupport

/// A fixture's PostgreSQL copy (`SQLiteToPostgresCopy` of its SQLite store into a new database on
/// the test process's server), made when the first engine on PostgreSQL is.
final class PostgresSide: Sendable {
    struct Copy: Sendable {
        let store: PostgresStore
        let server: PostgresServer
        let database: String

        /// The one value `sql` selects, as text.
        func value(_ sql: String) throws -> String {
            try server.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The status of the send row with `sendID`, nil when there is none.
        func status(of sendID: String) async -> String? {
            let rows = try? await store.inSnapshot(for: "test") {
                try await $0.rows("SELECT status FROM send WHERE send_id = ?", arguments: [sendID.sqlValue])
            }
            return rows?.first.flatMap { $0[0].string }
        }

        /// The first column of every row `sql` selects, as text.
        func values(_ sql: String) throws -> [String] {
            try server.psql(sql, database: database).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
    }

    private let state = Mutex<Copy?>(nil)
    var copy: Copy? { state.withLock { $0 } }
    fileprivate func set(_ copy: Copy) { state.withLock { $0 = copy } }
}

extension EngineFixture {
    /// An engine running `configuration` on `kind`: the SQLite store (`engine(_:random:)`), or its
    /// PostgreSQL copy, made at the first such call with everything written so far; write later
    /// history with this fixture's `consents`/`purchases`, which write to both stores.
    func engine(_ configuration: EngineConfiguration, on kind: StoreKind, random: Double = 0.5) async throws -> Engine {
        guard kind == .postgres else { return try engine(configuration, random: random) }
        let copy = try await postgresCopy()
        return try Engine(
            store: PostgresEngineStore(store: copy.store, leaseSeconds: 60), clock: clock, logger: logger, random: { random },
            loader: { configuration })
    }

    /// The PostgreSQL copy, made now if there is none yet, its pool of `poolSize` connections.
    func postgresCopy(poolSize: Int = 2) async throws -> PostgresSide.Copy {
        if let copy = postgres.copy { return copy }
        let server = try PostgresServer.shared()
        let (store, database) = try await server.copy(of: self.store, poolSize: poolSize)
        let copy = PostgresSide.Copy(store: store, server: server, database: database)
        postgres.set(copy)
        return copy
    }

    /// Closes the PostgreSQL copy's connections, if one was made (in the background: for `defer`).
    func closeLater() {
        guard let copy = postgres.copy else { return }
        Task { await copy.store.close() }
    }

    /// The first column of every row `sql` selects, as text, on the store the engines run on.
    func values(_ sql: String) throws -> [String] {
        if let copy = postgres.copy { return try copy.values(sql) }
        return try store.database.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                // As psql prints it: NULL as nothing.
                switch (row[0] as DatabaseValue).storage {
                case .null, .blob: ""
                case .int64(let value): String(value)
                case .double(let value): String(value)
                case .string(let value): value
                }
            }
        }
    }

    /// Adds consent records to the SQLite store and, once made, to its PostgreSQL copy.
    func consents(_ consents: [StoreFixture.Consent]) throws {
        try StoreFixture(store: store).consents(consents)
        guard let copy = postgres.copy else { return }
        _ = try copy.server.psql(consents.map { consent in
            """
            INSERT INTO consent(customer_id, channel, status, at)
            SELECT id, \(Self.quoted(consent.channel)), '\(consent.granted ? "granted" : "withdrawn")', \(consent.at)
            FROM customer WHERE external_id = \(Self.quoted(consent.customer));
            """
        }.joined(separator: "\n"), database: copy.database)
    }

    /// Adds purchases (in EUR) to the SQLite store and, once made, to its PostgreSQL copy.
    func purchases(_ purchases: [StoreFixture.Purchase]) throws {
        try StoreFixture(store: store).purchases(purchases)
        guard let copy = postgres.copy else { return }
        _ = try copy.server.psql(purchases.map { purchase in
            """
            INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency)
            SELECT id, \(Self.quoted(purchase.order)), \(purchase.at), \(purchase.amountMinor), 'EUR'
            FROM customer WHERE external_id = \(Self.quoted(purchase.customer));
            """
        }.joined(separator: "\n"), database: copy.database)
    }

    /// Imports the coupon file at `path` into `pool` of the SQLite store and, once made, of its
    /// PostgreSQL copy (the same file, the same summary).
    func importCoupons(pool: String, path: String) async throws {
        let now = Int64(clock.now())
        let summary = try store.importCoupons(pool: pool, path: path, timeZone: .gmt, now: now)
        guard let copy = postgres.copy else { return }
        #expect(try await copy.store.importCoupons(pool: pool, path: path, timeZone: .gmt, now: now) == summary)
    }

    /// Every coupon pool's counts at `now`, on the store the engines run on.
    func couponPools(now: Int64) async throws -> [CouponPoolSummary] {
        if let copy = postgres.copy { return try await copy.store.couponPools(now: now) }
        return try store.couponPools(now: now)
    }

    /// Adds a suppression to the SQLite store and, once made, to its PostgreSQL copy.
    func suppress(channel: String, address: String, reason: String, at: Int64) throws {
        try StoreFixture(store: store).suppress(channel: channel, address: address, reason: reason, at: at)
        guard let copy = postgres.copy else { return }
        _ = try copy.server.psql(
            "INSERT INTO suppression(channel, address, reason, at) VALUES (\(Self.quoted(channel)), \(Self.quoted(address)), \(Self.quoted(reason)), \(at))",
            database: copy.database)
    }

    /// Runs `sql` on the store the engines run on (a test's change to the send log).
    func execute(_ sql: String) throws {
        if let copy = postgres.copy {
            _ = try copy.server.psql(sql, database: copy.database)
        } else {
            try store.database.write { try $0.execute(sql: sql) }
        }
    }

    /// Withdraws a customer's consent on the store the engines run on (as an unsubscribe does).
    func withdrawConsent(externalID: String, channel: String, at: Int64, source: String) async throws {
        if let copy = postgres.copy {
            _ = try await copy.store.withdrawConsent(externalID: externalID, channel: channel, at: at, source: source)
        } else {
            _ = try await store.withdrawConsent(externalID: externalID, channel: channel, at: at, source: source)
        }
    }

    /// Erases a customer from the store the engines run on.
    @discardableResult
    func erase(externalID: String, now: Int64) async throws -> Erasure {
        if let copy = postgres.copy { return try await copy.store.erase(externalID: externalID, now: now) }
        return try store.erase(externalID: externalID, now: now)
    }

    /// Adds customers (external id, email and name only) to the SQLite store and, once made, to
    /// its PostgreSQL copy; both give them the same internal ids.
    func addCustomers(_ customers: [StoreFixture.Customer]) throws {
        try StoreFixture(store: store).customers(customers)
        guard let copy = postgres.copy else { return }
        #expect(customers.allSatisfy { $0.phone == nil && $0.street == nil && $0.birthday == nil && ($0.tags ?? []).isEmpty })
        _ = try copy.server.psql(customers.map { customer in
            let (email, name) = (customer.email.map(Self.quoted) ?? "NULL", customer.name.map(Self.quoted) ?? "NULL")
            return "INSERT INTO customer(external_id, email, name) VALUES (\(Self.quoted(customer.id)), \(email), \(name));"
        }.joined(separator: "\n"), database: copy.database)
    }

    /// The recorded variant winners of the store the engines run on.
    func variantWinners() async throws -> [VariantWinner] {
        if let copy = postgres.copy { return try await copy.store.variantWinners() }
        return try store.variantWinners()
    }

    /// Records a variant winner (as a tick would) in the store the engines run on.
    func recordVariantWinner(_ winner: VariantWinner) throws {
        guard let copy = postgres.copy else { return try #require(try store.recordVariantWinner(winner)) }
        _ = try copy.server.psql("""
            INSERT INTO variant_winner(rule, variant, decided_at, figures)
            VALUES (\(Self.quoted(winner.rule)), \(Self.quoted(winner.variant)), \(winner.decidedAt), \(Self.quoted(winner.figures)))
            """, database: copy.database)
    }

    /// Removes a rule's recorded winner from the store the engines run on.
    func resetVariantWinner(rule: String) async throws -> VariantWinner? {
        if let copy = postgres.copy { return try await copy.store.resetVariantWinner(rule: rule) }
        return try store.resetVariantWinner(rule: rule)
    }

    /// `explainer`'s explanation of a customer, read from the store the engines run on.
    func explain(_ explainer: Explainer, externalID: String) async throws -> Explanation? {
        if let copy = postgres.copy {
            return try await copy.store.inSnapshot(for: "test") { try await explainer.explain(externalID: externalID, reading: $0) }
        }
        return try explainer.explain(externalID: externalID, in: store)
    }

    /// `text` as an SQL string literal.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
