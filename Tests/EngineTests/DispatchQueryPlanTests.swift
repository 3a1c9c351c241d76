@testable import Engine
import GRDB
import Testing

@Suite("dispatcher: queries stay on their indexes")
struct DispatchQueryPlanTests {
    /// A claim that scans the send log costs O(rows) per claimed send: with 100,000 queued rows
    /// the dispatcher crawled at a few hundred sends a second.
    @Test("claiming due rows searches the partial index send_due, never scans the send log")
    func claimUsesIndex() throws {
        let fx = try EngineFixture()
        let plan = try fx.rows("EXPLAIN QUERY PLAN " + Dispatcher.claimSQL.replacingOccurrences(of: "?1", with: "0")
            .replacingOccurrences(of: "?2", with: "8"))
            .map { $0["detail"] as String }
        #expect(plan.contains { $0.contains("USING INDEX send_due") }, "plan: \(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN send") }, "plan: \(plan)")
    }
}
