import GRDB

extension SendLog {
    /// Records `decisions` the way a tick does, through `DecisionWriter`, in one write
    /// transaction; returns how many rows were written or changed.
    ///
    /// For tools and test fixtures that plant a send log without running a tick. Each row is
    /// written with the status its decision gives: a settled status (`sent`, `failed`) stands
    /// for a row the dispatcher has finished, with no attempts, receipt or error recorded.
    @discardableResult
    public func record(_ decisions: [SendDecision]) throws -> Int {
        try database.write { db in
            let writer = try DecisionWriter(db)
            var changed = 0
            for decision in decisions where try writer.record(decision) { changed += 1 }
            return changed
        }
    }
}
