import CustomerStore
import Foundation
import GRDB
import RuleLanguage

/// Compiles checked conditions into parameterised SQL over `customer c JOIN customer_facts f`.
///
/// Every compiled condition is true or false, never NULL: a comparison on a missing value is false
/// (so `not (nps <= 6)` is true for a customer without a score, as docs/rules.md says). What SQL
/// dialects spell differently goes through the store's `SQLDialect`.
/// `and`/`or` terms are ordered cheapest first, so SQLite skips costly subqueries for rows an
/// earlier term already decided. No text from a rule file ever becomes SQL text.
struct ConditionCompiler: Sendable {
    let ruleSet: RuleSet
    let facts: FactSQL
    private let minorUnitsPerMajor: Decimal
    var dialect: SQLDialect { facts.dialect }

    init(ruleSet: RuleSet, settings: EvaluationSettings, factsAreCurrent: Bool = false, dialect: SQLDialect) {
        self.ruleSet = ruleSet
        self.facts = FactSQL(settings: settings, factsAreCurrent: factsAreCurrent, dialect: dialect)
        var scale = Decimal(1)
        for _ in 0..<MoneyFormat.exponent(of: settings.currency) { scale *= 10 }
        self.minorUnitsPerMajor = scale
    }

    func compile(_ condition: Condition) -> SQLFragment {
        switch condition.kind {
        case .all(let parts):
            return SQLFragment.joined(parts.flatMap(andTerms).sortedByCost(), separator: " AND ").parenthesised
        case .any(let parts):
            return SQLFragment.joined(parts.map(compile).sortedByCost(), separator: " OR ").parenthesised
        case .not(let inner):
            return SQLFragment.composed("(NOT {})", compile(inner))
        case .fact(let fact):
            return value(of: fact)
        case .segment(let name):
            guard let segment = ruleSet.segment(named: name) else { return SQLFragment(dialect.falseLiteral) }
            return compile(segment.condition)
        case .comparison(let left, let op, let right, let type):
            let exact = SQLFragment.composed(
                "coalesce({} \(Self.sqlOperator(op)) {}, \(dialect.falseLiteral))", value(left, as: type), value(right, as: type))
            return windowBound(left, op, right, type: type).map { bound in
                SQLFragment.composed("({} {})", bound, exact)
            } ?? exact
        case .membership(let operand, let literals, let type):
            let list = SQLFragment.joined(literals.map { .value(literalValue($0, as: type)) }, separator: ", ")
            return SQLFragment.composed("coalesce({} IN ({}), \(dialect.falseLiteral))", value(operand, as: type), list)
        }
    }

    /// A rule's whole condition as the WHERE clause of its audience query: as `compile`, with a
    /// lone condition split into its `and` terms too (see `andTerms`).
    func compileWhere(_ condition: Condition) -> SQLFragment {
        if case .all = condition.kind { return compile(condition) }
        return SQLFragment.joined(andTerms(condition).sortedByCost(), separator: " AND ").parenthesised
    }

    /// The value of a fact; segment transitions need their segment's condition.
    func value(of fact: Fact) -> SQLFragment {
        guard case .transition(let transition, let name, let days) = fact else { return facts.value(fact) }
        guard let segment = ruleSet.segment(named: name) else { return SQLFragment(dialect.falseLiteral) }
        let member = compile(segment.condition)
        let tracked = facts.trackedBefore(name)
        let before = facts.memberBefore(name)
        // Most customers are outside the segment at both evaluations: for `entered`, the
        // segment's own test decides them first; for `left`, the history lookup does.
        let now = switch transition {
        case .entered: SQLFragment.composed("({} AND {} AND NOT {})", tracked, member, before)
        case .left: SQLFragment.composed("({} AND {} AND NOT {})", tracked, before, member)
        }
        guard let days else { return now }
        return SQLFragment.composed("({} OR {})", facts.recordedTransition(transition, name, days: days), now)
    }

    /// The `and` terms of one part of an `all`: a consent fact becomes two, the consent state (a
    /// facts column, cheap) and the suppression test (which may hash the address, costly), so
    /// ordering by cost tests the first early and the second after every other term.
    ///
    /// A test that can only hold for customers who received a rule's send (`days since received
    /// "X" >= 3`, `purchase since received "X"`) gets the set of receivers as a term of its own:
    /// a top-level `f.customer_id IN (…)` lets SQLite visit only those customers instead of
    /// scanning all of them.
    func andTerms(_ part: Condition) -> [SQLFragment] {
        switch part.kind {
        case .fact(.consent(let channel)):
            return [facts.consentGranted(channel), SQLFragment.composed("(NOT {})", facts.suppressed(channel))]
        case .fact(.purchaseSinceReceived(let name)):
            return [facts.receivedEver(name), compile(part)]
        case .comparison(let left, _, let right, _):
            let names = [left, right].compactMap { operand -> String? in
                if case .fact(.daysSinceReceived(let name)) = operand.kind { name } else { nil }
            }
            return names.map(facts.receivedEver) + [compile(part)]
        default:
            return [compile(part)]
        }
    }

    /// A purchase count or sum within a window is at most the all-time count or sum (amounts are
    /// never negative), so the facts often decide `orders in last 365 days >= 3` without reading
    /// purchases: `f.orders >= 3 AND …` for lower bounds, `f.orders < 3 OR …` for upper ones.
    private func windowBound(
        _ left: Operand, _ op: ComparisonOperator, _ right: Operand, type: ValueType
    ) -> SQLFragment? {
        var (factSide, literalSide, op) = (left, right, op)
        if case .literal = left.kind {
            (factSide, literalSide) = (right, left)
            op = switch op {
            case .less: .greater
            case .lessOrEqual: .greaterOrEqual
            case .greater: .less
            case .greaterOrEqual: .lessOrEqual
            case .equal, .notEqual: op
            }
        }
        guard case .fact(let fact) = factSide.kind, case .literal(let literal) = literalSide.kind else { return nil }
        let total: String
        switch fact {
        case .orders(inLastDays: .some): total = "f.orders"
        case .spent(inLastDays: .some): total = "f.spent_minor"
        default: return nil
        }
        let bound = SQLFragment.value(literalValue(literal, as: type))
        return switch op {
        case .greaterOrEqual, .equal: SQLFragment.composed("\(total) >= {} AND", bound)
        case .greater: SQLFragment.composed("\(total) > {} AND", bound)
        case .less, .notEqual: SQLFragment.composed("\(total) < {} OR", bound)
        case .lessOrEqual: SQLFragment.composed("\(total) <= {} OR", bound)
        }
    }

    /// The operand's value in the SQL domain of `type` (see `FactSQL`).
    func value(_ operand: Operand, as type: ValueType) -> SQLFragment {
        switch operand.kind {
        case .fact(.attribute(let name)) where type == .number || type == .money:
            return facts.attributeNumber(name)
        case .fact(let fact):
            return value(of: fact)
        case .literal(let literal):
            return .value(literalValue(literal, as: type))
        }
    }

    /// A literal as the SQL value it is compared with: money in minor units, dates as day numbers.
    func literalValue(_ literal: Literal, as type: ValueType) -> DatabaseValue {
        switch literal {
        case .number(let number):
            return Self.databaseValue(type == .money ? number * minorUnitsPerMajor : number)
        case .text(let text):
            return text.databaseValue
        case .date(let date):
            return date.dayNumber.databaseValue
        }
    }

    /// Integral decimals bind as integers (exact); others as the nearest double, which compares
    /// correctly with the integers the store holds.
    static func databaseValue(_ number: Decimal) -> DatabaseValue {
        var value = number
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        if rounded == number, let integer = Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value),
            Decimal(integer) == number
        {
            return integer.databaseValue
        }
        return NSDecimalNumber(decimal: number).doubleValue.databaseValue
    }

    static func sqlOperator(_ op: ComparisonOperator) -> String {
        switch op {
        case .equal: "="
        case .notEqual: "<>"
        case .less: "<"
        case .lessOrEqual: "<="
        case .greater: ">"
        case .greaterOrEqual: ">="
        }
    }
}

extension SQLFragment {
    var parenthesised: SQLFragment { SQLFragment("(" + sql + ")", arguments, cost: cost) }
}

extension Array where Element == SQLFragment {
    /// Stable sort, cheapest first.
    func sortedByCost() -> [SQLFragment] {
        enumerated().sorted { ($0.element.cost, $0.offset) < ($1.element.cost, $1.offset) }.map(\.element)
    }
}
