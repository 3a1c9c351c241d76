extension StoreMigrations {
    /// `v8-send-leases`: who claimed an in-flight send and until when the claim holds. Several
    /// daemons dispatch from one PostgreSQL store: each marks the rows it claims with its owner
    /// id and a lease it renews while it sends, and a row is a crash leftover only once its lease
    /// has run out (docs/store.md, "Leases"). SQLite has one daemon per store and leaves both
    /// NULL; the columns keep both stores' schemas the same. `send_claims` finds the rows whose
    /// lease ran out without reading the queue.
    static let sendLeasesV8 = """
        ALTER TABLE send ADD COLUMN owner TEXT;
        ALTER TABLE send ADD COLUMN lease_until INTEGER;
        CREATE INDEX send_claims ON send(lease_until) WHERE status = 'in_flight';
        """
}
