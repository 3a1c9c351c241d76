import GRDB

/// A/B winners: read by every evaluation, written at most once per rule by a tick, removed only
/// by an operator.
extension CustomerStore {
    /// Every recorded winner, by rule name.
    public func variantWinners() throws -> [VariantWinner] {
        try database.read { try VariantWinner.fetchAll($0, sql: VariantWinner.allSQL) }
    }

    /// Records `winner` unless the rule already has one (which stays: a winner never flips by
    /// itself). True when it was written.
    @discardableResult
    public func recordVariantWinner(_ winner: VariantWinner) throws -> Bool {
        try database.write { db in
            try db.execute(sql: VariantWinner.recordSQL, arguments: StatementArguments(each: winner.recordArguments))
            return db.changesCount > 0
        }
    }

    /// Removes the rule's winner, so its sends split again and the test starts over on the next
    /// tick (with the sends recorded so far). The removed winner, or nil when there was none.
    @discardableResult
    public func resetVariantWinner(rule: String) throws -> VariantWinner? {
        try database.write { db in
            try VariantWinner.fetchOne(db, sql: VariantWinner.resetSQL, arguments: [rule])
        }
    }
}

extension VariantWinner {
    /// Every recorded winner, by rule (`variantWinners()`); runs on either store.
    public static let allSQL = "SELECT * FROM variant_winner ORDER BY rule"
    /// Records a winner unless its rule has one (`recordVariantWinner`); runs on either store.
    public static let recordSQL =
        "INSERT INTO variant_winner(rule, variant, decided_at, figures) VALUES (?, ?, ?, ?) ON CONFLICT(rule) DO NOTHING"
    /// The arguments of `recordSQL` for this winner.
    public var recordArguments: [SQLValue] {
        [rule.sqlValue, variant.sqlValue, decidedAt.sqlValue, figures.sqlValue]
    }
    /// Removes the argument rule's winner and returns it (`resetVariantWinner(rule:)`); runs on
    /// either store.
    public static let resetSQL = "DELETE FROM variant_winner WHERE rule = ? RETURNING *"
}
