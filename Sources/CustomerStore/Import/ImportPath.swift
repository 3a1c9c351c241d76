/// Which way an import writes its rows (docs/store.md, Import).
public enum ImportPath: String, Sendable, CaseIterable {
    /// Bulk when the kind's table is empty or the file holds more rows than it (estimated from
    /// the file's size); incremental otherwise.
    case automatic
    /// Row by row, the facts kept by the store's triggers: for daily imports into a large store.
    case incremental
    /// The kind's facts triggers and secondary indexes set aside, rows loaded, then the indexes
    /// built once and the facts recomputed in one aggregate pass (`BulkLoad`).
    case bulk
}
