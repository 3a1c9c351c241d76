extension StoreMigrations {
    /// `v8-daemons`: the daemons sharing a PostgreSQL store, each row written by the daemon's
    /// heartbeat (docs/store.md, "Daemons"), read by `campaignd status`. A SQLite store has one
    /// daemon and leaves it empty; the table keeps both stores' schemas the same.
    static let daemonsV8 = """
        CREATE TABLE daemon (
            owner TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            version TEXT NOT NULL,
            http TEXT,
            started_at INTEGER NOT NULL,
            seen_at INTEGER NOT NULL,
            stopped_at INTEGER
        );
        """
}
