import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// Who entered and who left one segment since its previous recorded evaluation.
public struct MembershipChanges: Sendable, Equatable {
    public var entered: [Int64] = []
    public var left: [Int64] = []

    public init(entered: [Int64] = [], left: [Int64] = []) {
        self.entered = entered
        self.left = left
    }

    mutating func add(_ other: MembershipChanges) {
        entered += other.entered
        left += other.left
    }
}

extension Evaluator {
    /// The membership changes of `segment` at `now` against its recorded open intervals (the
    /// previous recorded evaluation), for customers in `customers` (all when nil). A segment
    /// never recorded has no open intervals, so all its members come back as `entered`.
    ///
    /// Two queries in the caller's snapshot: today's members without an open interval (one pass
    /// over the customers, as cheap as the segment's own audience), and the open intervals whose
    /// customer is no longer a member (only the segment's members are read). Only changed
    /// customers are returned, so a tick where few change holds little in memory.
    public func membershipChanges(
        of segment: Segment, customers: ClosedRange<Int64>? = nil, factsAreCurrent current: Bool = false, in db: Database
    ) throws -> MembershipChanges {
        SQLFunctions.register(in: db)
        let queries = membershipQueries(for: segment, customers: customers, factsAreCurrent: current)
        return MembershipChanges(
            entered: try Int64.fetchAll(db, sql: queries.entered.sql, arguments: queries.entered.statementArguments),
            left: try Int64.fetchAll(db, sql: queries.left.sql, arguments: queries.left.statementArguments))
    }

    /// The ids of customers in `segment` now without an open interval (`entered`), and of open
    /// intervals whose customer is not in it now (`left`).
    func membershipQueries(
        for segment: Segment, customers: ClosedRange<Int64>?, factsAreCurrent current: Bool
    ) -> (entered: SQLFragment, left: SQLFragment) {
        let compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, factsAreCurrent: current, dialect: dialect)
        var member = compiler.compile(segment.condition)
        var customerJoin = ""
        if readsCustomerRow(segment.condition) {
            if dialect.testsRunInWrittenOrder { member = member.dependingOnCustomerRow }
            customerJoin = " \(dialect.customerJoin(testsCustomerRow: true))"
        }
        let name = SQLFragment.value(segment.name.databaseValue)
        let range = customers.map {
            SQLFragment.composed(
                " AND f.customer_id BETWEEN {} AND {}", .value($0.lowerBound.databaseValue), .value($0.upperBound.databaseValue))
        } ?? SQLFragment("")
        let entered = SQLFragment.composed(
            """
            SELECT f.customer_id FROM customer_facts f\(customerJoin)
            WHERE {} AND f.customer_id NOT IN (SELECT m.customer_id FROM segment_membership m WHERE m.segment = {} AND m.left_at IS NULL){}
            """,
            member, name, range)
        let left = SQLFragment.composed(
            """
            SELECT m.customer_id FROM segment_membership m \(dialect.orderedJoin("customer_facts", "f", "f.customer_id = m.customer_id"))\(customerJoin)
            WHERE m.segment = {} AND m.left_at IS NULL{} AND NOT {}
            """,
            name, range, member)
        return (entered, left)
    }

    /// Whether the compiled condition reads the `customer c` row: it compares customer columns,
    /// itself, through a segment, or through a segment whose transitions it reads.
    func readsCustomerRow(_ condition: Condition) -> Bool {
        let inlined = ruleSet.inliningSegments(in: condition)
        if Self.testsCustomerColumns(inlined) { return true }
        return inlined.transitionSegments.contains { name in
            ruleSet.segment(named: name).map { readsCustomerRow($0.condition) } ?? false
        }
    }
}
