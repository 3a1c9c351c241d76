import CustomerStore
import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// The plpgsql triggers keep the facts as SQLite's triggers do: the same writes of an outside
/// system, in SQL both accept, leave the same `customer_facts`, `customer_event_facts`,
/// `customer_change`, coupon redemptions and `store_meta` in both stores.
@Suite("PostgreSQL facts triggers")
struct PostgresFactsTriggerTests {
    /// Inserts, updates (moving rows between customers too) and deletes of every kind of history.
    static let writes = [
        """
        INSERT INTO customer(id, external_id, email, time_zone) VALUES
            (1, 'C1', 'a@example.fi', 'Europe/Helsinki'), (2, 'C2', 'b@example.fi', NULL), (3, 'C3', NULL, 'Pacific/Kiritimati')
        """,
        "INSERT INTO coupon(code, pool, place, imported_at) VALUES ('SAVE-1', 'spring', 1, 100), ('SAVE-2', 'spring', 2, 100)",
        """
        INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency, coupon) VALUES
            (1, 'O1', 1000, 1990, 'EUR', NULL), (1, 'O2', 3000, 500, 'EUR', 'SAVE-1'), (1, 'O3', 2000, 10000, 'EUR', NULL),
            (2, 'O4', 5000, 250, 'EUR', NULL), (3, 'O5', 7000, 0, 'EUR', NULL)
        """,
        "UPDATE purchase SET amount_minor = 700, at = 500 WHERE order_ref = 'O3'",
        "UPDATE purchase SET customer_id = 2 WHERE order_ref = 'O1'",
        "DELETE FROM purchase WHERE order_ref = 'O5'",
        "UPDATE purchase SET coupon = 'SAVE-2' WHERE order_ref = 'O4'",
        "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency, coupon) VALUES (3, 'O6', 2500, 100, 'EUR', 'SAVE-1')",
        """
        INSERT INTO feedback(customer_id, kind, score, at, comment) VALUES
            (1, 'nps', 9, 100, NULL), (1, 'nps', 3, 200, 'bad'), (1, 'csat', 4, 150, NULL), (2, 'ces', 6, 300, NULL), (3, 'nps', 10, 50, NULL)
        """,
        "UPDATE feedback SET at = 400 WHERE customer_id = 1 AND kind = 'nps' AND score = 9",
        "UPDATE feedback SET customer_id = 2 WHERE customer_id = 3",
        "DELETE FROM feedback WHERE kind = 'csat'",
        """
        INSERT INTO consent(customer_id, channel, status, at, basis, source) VALUES
            (1, 'email', 'granted', 100, 'consent', 'checkout'), (1, 'email', 'withdrawn', 100, NULL, 'cli'),
            (2, 'email', 'granted', 100, 'consent', 'x'), (2, 'email', 'withdrawn', 50, NULL, 'x'),
            (2, 'letter', 'granted', 70, NULL, 'x'), (3, 'webhook', 'granted', 80, NULL, 'x')
        """,
        "UPDATE consent SET at = 90 WHERE customer_id = 1 AND status = 'withdrawn'",
        "DELETE FROM consent WHERE channel = 'letter'",
        "UPDATE consent SET customer_id = 1, channel = 'letter' WHERE channel = 'webhook'",
        """
        INSERT INTO event(customer_id, name, at) VALUES
            (1, 'cart_abandoned', 100), (1, 'cart_abandoned', 300), (1, 'signup', 50), (2, 'cart_abandoned', 200), (3, 'signup', 10)
        """,
        "UPDATE event SET at = 400 WHERE customer_id = 1 AND name = 'signup'",
        "UPDATE event SET customer_id = 2 WHERE customer_id = 3",
        "DELETE FROM event WHERE customer_id = 1 AND at = 300",
        "INSERT INTO customer_tag(customer_id, tag) VALUES (1, 'vip'), (2, 'vip'), (3, 'newsletter')",
        "UPDATE customer_tag SET tag = 'gold' WHERE customer_id = 2",
        "DELETE FROM customer_tag WHERE customer_id = 3",
        "UPDATE customer SET city = 'Espoo' WHERE id = 3",
        "INSERT INTO suppression(channel, address, reason, at) VALUES ('email', 'a@example.fi', 'manual', 10), ('email', 'x@example.fi', 'manual', 10)",
        "UPDATE suppression SET reason = 'hard_bounce' WHERE address = 'x@example.fi'",
        "DELETE FROM suppression WHERE address = 'a@example.fi'",
        "DELETE FROM customer WHERE id = 3",
    ]

    /// What the triggers maintain, in an order both stores give alike.
    static let readBack = [
        "SELECT * FROM customer_facts ORDER BY customer_id",
        "SELECT * FROM customer_event_facts ORDER BY customer_id, name",
        "SELECT customer_id, seq, latest_at FROM customer_change ORDER BY customer_id",
        "SELECT code, redeemed_at FROM coupon ORDER BY code",
        "SELECT key, value FROM store_meta ORDER BY key",
    ]

    @Test("the same writes leave the same facts, changes, redemptions and counters")
    func sameFacts() async throws {
        let postgres = try await PostgresTestStore()
        let sqlite = try SQLiteTestStore()
        for statement in Self.writes {
            try await sqlite.queue.write { try $0.execute(sql: statement) }
            _ = try postgres.psql(statement)
        }
        for query in Self.readBack {
            let expected = try await sqlite.queue.read { db in
                try Row.fetchAll(db, sql: query).map { row in
                    row.databaseValues.map(\.plainText).joined(separator: "|")
                }
            }
            #expect(!expected.isEmpty, "\(query)")
            #expect(try postgres.psql(query) == expected, "\(query)")
        }
        await postgres.store.close()
    }
}
