import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// A journey's conditions for one customer, outside a tick: the dispatcher's goal check right
/// before a journey send, and `explain`.
public enum JourneyCheck {
    /// Whether `journey`'s exit condition (its goal) holds for the customer with internal id
    /// `customer` at `settings.now`; false for a journey without one or a customer who is gone.
    public static func goalReached(
        _ journey: Journey, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings, in store: CustomerStore
    ) async throws -> Bool {
        guard let exit = journey.exit else { return false }
        let query = conditionQuery(exit, ruleSet: ruleSet, customer: customer, settings: settings, dialect: store.dialect)
        return try await store.inSnapshot { db in
            SQLFunctions.register(in: db)
            return try Bool.fetchOne(db, sql: query.sql, arguments: query.statementArguments) ?? false
        }
    }

    /// `goalReached(_:ruleSet:customer:settings:in:)` read through `reader` (the PostgreSQL
    /// store), with the condition compiled in `dialect`.
    public static func goalReached(
        _ journey: Journey, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings, dialect: SQLDialect,
        reading reader: some SQLRowReader
    ) async throws -> Bool {
        guard let exit = journey.exit else { return false }
        let query = conditionQuery(exit, ruleSet: ruleSet, customer: customer, settings: settings, dialect: dialect)
        return try await reader.rows(query.sql, arguments: query.sqlValues).first?[0].bool ?? false
    }

    /// Whether `condition` holds for one customer, in `db`: nil when the customer is gone.
    public static func holds(
        _ condition: Condition, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings, in db: Database
    ) throws -> Bool? {
        SQLFunctions.register(in: db)
        let query = conditionQuery(condition, ruleSet: ruleSet, customer: customer, settings: settings, dialect: .sqlite)
        return try Bool.fetchOne(db, sql: query.sql, arguments: query.statementArguments)
    }

    static func conditionQuery(
        _ condition: Condition, ruleSet: RuleSet, customer: Int64, settings: EvaluationSettings, dialect: SQLDialect
    ) -> SQLFragment {
        let compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, dialect: dialect)
        return SQLFragment.composed(
            "SELECT {} FROM customer_facts f JOIN customer c ON c.id = f.customer_id WHERE f.customer_id = {}",
            compiler.compile(condition), .value(customer.databaseValue))
    }
}
