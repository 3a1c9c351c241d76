import GRDB

/// A send log with a planted effect, for the report's tests and its screenshot script: one rule,
/// `recipients` customers sent and `holdout` held out, decided at random instants over `days`
/// days from `start`, converting (one purchase inside the window) with the given probabilities.
///
/// Every customer also has a purchase before the decision and, for one in five, one just after
/// the window: neither may count. The same seed writes the same rows.
public struct SyntheticExperiment: Sendable {
    public var rule: String
    public var recipients: Int
    public var holdout: Int
    public var recipientRate: Double
    public var holdoutRate: Double
    /// The first possible decision, Unix seconds.
    public var start: Int64
    public var days: Int
    public var windowDays: Int
    public var seed: UInt64
    /// Purchases inside the window are 10.00 … 90.00 in the store's currency (minor units 1000 … 9000).
    public var amounts: ClosedRange<Int> = 1000...9000

    public init(
        rule: String, recipients: Int, holdout: Int, recipientRate: Double, holdoutRate: Double,
        start: Int64, days: Int, windowDays: Int, seed: UInt64
    ) {
        self.rule = rule
        self.recipients = recipients
        self.holdout = holdout
        self.recipientRate = recipientRate
        self.holdoutRate = holdoutRate
        self.start = start
        self.days = days
        self.windowDays = windowDays
        self.seed = seed
    }

    /// Writes the customers (`<rule>-<n>`), the send rows and the purchases in one transaction.
    /// The rows are drawn in Swift and inserted by SQLite from one JSON array per table, so that
    /// tens of thousands of rows take a fraction of a second even in a debug build.
    public func write(to store: CustomerStore) throws {
        var random = SplitMix64(seed: seed)
        let window = Int64(windowDays) * 86_400
        // [n, decided_at, holdout] per customer, [n, at, amount_minor, order tag] per purchase.
        var customers: [String] = [], purchases: [String] = []
        customers.reserveCapacity(recipients + holdout)
        for index in 0..<(recipients + holdout) {
            let held = index >= recipients
            let decided = start + Int64(random.int(0...(days * 86_400 - 1)))
            customers.append("[\(index),\(decided),\(held ? 1 : 0)]")
            purchases.append("[\(index),\(decided - Int64(random.int(0...90 * 86_400))),\(random.int(amounts)),\"before\"]")
            if random.unit() < (held ? holdoutRate : recipientRate) {
                purchases.append("[\(index),\(decided + Int64(random.int(1...Int(window)))),\(random.int(amounts)),\"in\"]")
            }
            if random.unit() < 0.2 {
                purchases.append("[\(index),\(decided + window + Int64(random.int(1...30 * 86_400))),\(random.int(amounts)),\"after\"]")
            }
        }
        let customerRows = "[" + customers.joined(separator: ",") + "]"
        let purchaseRows = "[" + purchases.joined(separator: ",") + "]"
        try store.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO customer(external_id, email)
                    SELECT :rule || '-' || (value ->> 0), :rule || '-' || (value ->> 0) || '@example.com' FROM json_each(:rows);
                    INSERT INTO send(send_id, rule, rule_hash, customer_id, channel, target, window_key, decided_at,
                                     status, reason, updated_at)
                    SELECT :rule || '-' || (value ->> 0), :rule, 'synthetic',
                           (SELECT id FROM customer WHERE external_id = :rule || '-' || (value ->> 0)), 'email', :rule, 0,
                           value ->> 1, CASE value ->> 2 WHEN 1 THEN 'holdout' ELSE 'sent' END,
                           CASE value ->> 2 WHEN 1 THEN 'holdout' END, value ->> 1
                    FROM json_each(:rows);
                    INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency)
                    SELECT (SELECT id FROM customer WHERE external_id = :rule || '-' || (value ->> 0)),
                           :rule || '-' || (value ->> 0) || '-' || (value ->> 3), value ->> 1, value ->> 2,
                           (SELECT value FROM store_meta WHERE key = 'currency')
                    FROM json_each(:purchases);
                    """,
                arguments: ["rule": rule, "rows": customerRows, "purchases": purchaseRows])
        }
    }
}
