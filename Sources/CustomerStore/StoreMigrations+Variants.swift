extension StoreMigrations {
    /// A/B variants: the variant a send was decided to (its template or endpoint, also in
    /// `target`), NULL for a send without variants and for holdout and skip rows.
    static let sendVariantV4 = """
        ALTER TABLE send ADD COLUMN variant TEXT;
        """

    /// A/B winners: at most one per rule, never replaced by campaignd itself (`campaignd winner
    /// reset RULE` deletes it). `figures` is the JSON of the counts and the test that decided it.
    static let variantWinnersV4 = """
        CREATE TABLE variant_winner (
            rule       TEXT PRIMARY KEY NOT NULL,
            variant    TEXT NOT NULL,
            decided_at INTEGER NOT NULL CHECK (typeof(decided_at) = 'integer'),
            figures    TEXT NOT NULL CHECK (json_valid(figures))
        ) WITHOUT ROWID;
        """
}

extension StoreMigrations {
    /// The `winner after N days` check of each tick asks whether a rule has enough variant sends
    /// whose window has ended; this index answers from the rule's variant rows alone, oldest first,
    /// instead of the rule's whole send log.
    static let sendVariantByRuleV5 = """
        CREATE INDEX send_variant_by_rule ON send(rule, decided_at) WHERE variant IS NOT NULL AND journey IS NULL;
        """
}
