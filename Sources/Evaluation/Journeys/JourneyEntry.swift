import CustomerStore
import Foundation
import GRDB
import RuleLanguage
import Synchronization

/// Who enters each journey at a tick's instant: customers for whom `enter when` holds and who are
/// not enrolled (now, or within the re-entry period). Runs on the tick's evaluating slices, each
/// over its own id range in the tick's snapshot, beside the rules (`ParallelEvaluator`), so the
/// scans of large stores share the cores; the writer then enrols them (`JourneyPass`).
///
/// A journey whose entry condition cannot turn true by time alone (`TimeTrend`), with no
/// re-entry period, tests only the customers changed since its last entry scan
/// (`Scope.changedSince`): every other customer was tested then, with the same data, and either
/// enrolled or found not matching, which time alone cannot change. Anything else, or the first
/// scan, an edited journey or condition, an earlier instant or a lifted suppression, tests
/// everyone.
public struct JourneyEntry: Sendable {
    /// One customer to enrol.
    public struct Entrant: Sendable, Equatable {
        public let customerID: Int64
        public let externalID: String
        public let timeZone: String?

        init(customerID: Int64, externalID: String, timeZone: String?) {
            self.customerID = customerID
            self.externalID = externalID
            self.timeZone = timeZone
        }

        /// From the entry query's row (id, external id, time zone).
        init(row: [SQLValue]) {
            self.init(customerID: row[0].int64 ?? 0, externalID: row[1].string ?? "", timeZone: row[2].string)
        }
    }

    /// Which customers one journey's entry scan tests.
    public enum Scope: Sendable, Equatable {
        case everyone
        /// Those changed since this scan (`CustomerStore.customersChangedSinceSQL`).
        case changedSince(JourneyEntryScan)
    }

    /// What the scans found: entrants by journey, in customer-id order, and the change mark of
    /// the snapshot they read (nil when nothing was scanned).
    public struct Found: Sendable {
        public var byJourney: [String: [Entrant]] = [:]
        public var mark: CustomerChangeMark?
        /// Per journey, whether the scan tested only changed customers.
        public var incremental: [String: Bool] = [:]
    }

    public let ruleSet: RuleSet
    public let settings: EvaluationSettings
    private let compiler: ConditionCompiler
    /// Per journey: the compiled entry condition and version (`signature(of:)`), and whether it
    /// may skip unchanged customers at all.
    private let signatures: [String: String]
    private let timeSafe: [String: Bool]

    public init(ruleSet: RuleSet, settings: EvaluationSettings, dialect: SQLDialect = .sqlite) {
        self.ruleSet = ruleSet
        self.settings = settings
        self.compiler = ConditionCompiler(ruleSet: ruleSet, settings: settings, dialect: dialect)
        var fixed = settings
        fixed.now = 0
        let atZero = ConditionCompiler(ruleSet: ruleSet, settings: fixed, dialect: dialect)
        var signatures: [String: String] = [:]
        var timeSafe: [String: Bool] = [:]
        for journey in ruleSet.journeys {
            let query = Self.entryQuery(journey, customers: nil, scope: .everyone, compiler: atZero, ruleSet: ruleSet, now: 0)
            signatures[journey.name] = [journey.contentHash, query.sql, "\(query.arguments)"].joined(separator: "\n")
            timeSafe[journey.name] = journey.reenterAfterDays == nil && TimeTrend.of(journey.entry, in: ruleSet).cannotTurnTrue
        }
        self.signatures = signatures
        self.timeSafe = timeSafe
    }

    /// Entrants of every journey (by name) among customers in `customers` (all when nil), in `db`.
    public func entrants(customers: ClosedRange<Int64>? = nil, in db: Database) throws -> Found {
        SQLFunctions.register(in: db)
        let mark = try CustomerStore.customerChangeMark(in: db)
        let scans = try CustomerStore.journeyEntryScans(in: db)
        var found = Found(mark: mark)
        for journey in ruleSet.journeys {
            let scope = scope(of: journey, last: scans[journey.name], mark: mark)
            let query = entryQuery(journey, customers: customers, scope: scope)
            found.byJourney[journey.name] = try Row.fetchAll(db, sql: query.sql, arguments: query.statementArguments).map { row in
                Entrant(customerID: row[0], externalID: row[1], timeZone: row[2])
            }
            found.incremental[journey.name] = scope != .everyone
        }
        return found
    }

    /// Entrants of every journey (by name), in customer-id order, in the snapshot `reader` reads
    /// (a store that is not SQLite: the PostgreSQL tick's transaction).
    public func entrants(reading reader: some SQLRowReader) async throws -> Found {
        let mark = CustomerStore.customerChangeMark(row: try await reader.rows(CustomerStore.customerChangeMarkSQL, arguments: []).first ?? [])
        let scans = CustomerStore.journeyEntryScans(rows: try await reader.rows(CustomerStore.journeyEntryScansSQL, arguments: []))
        var found = Found(mark: mark)
        for journey in ruleSet.journeys {
            let scope = scope(of: journey, last: scans[journey.name], mark: mark)
            let query = entryQuery(journey, customers: nil, scope: scope)
            found.byJourney[journey.name] = try await reader.rows(query.sql, arguments: query.sqlValues)
                .map(Entrant.init(row:)).sorted { $0.customerID < $1.customerID }
            found.incremental[journey.name] = scope != .everyone
        }
        return found
    }

    /// Which customers `journey`'s scan must test, given its `last` scan and the snapshot's `mark`.
    public func scope(of journey: Journey, last: JourneyEntryScan?, mark: CustomerChangeMark) -> Scope {
        guard let last, timeSafe[journey.name] == true, last.signature == signatures[journey.name],
            last.scannedAt <= settings.now, last.mark.seq <= mark.seq,
            last.mark.suppressionLifted == mark.suppressionLifted
        else { return .everyone }
        return .changedSince(last)
    }

    /// What the tick records for `journey` after scanning at its instant in a snapshot at `mark`.
    public func scanRecord(of journey: Journey, mark: CustomerChangeMark) -> JourneyEntryScan {
        JourneyEntryScan(journey: journey.name, signature: signatures[journey.name] ?? "", scannedAt: settings.now, mark: mark)
    }

    /// Where the not-enrolled test goes among an entry condition's `and` terms: after facts
    /// comparisons (1–3), before purchase-window subqueries (10) and address hashing (12).
    static let notEnrolledCost = 5

    func entryQuery(_ journey: Journey, customers: ClosedRange<Int64>?, scope: Scope = .everyone) -> SQLFragment {
        Self.entryQuery(journey, customers: customers, scope: scope, compiler: compiler, ruleSet: ruleSet, now: settings.now)
    }

    static func entryQuery(
        _ journey: Journey, customers: ClosedRange<Int64>?, scope: Scope, compiler: ConditionCompiler, ruleSet: RuleSet, now: Int64
    ) -> SQLFragment {
        let cutoff = journey.reenterAfterDays.map { now - Int64($0) * 86_400 } ?? Int64.min
        // Not enrolled (now, or within the re-entry period): one lookup per customer, tested after
        // the cheap facts terms and before purchase subqueries and address hashing, so a tick
        // where everyone matching is already enrolled stays cheap.
        let notEnrolled = SQLFragment.composed(
            """
            f.customer_id NOT IN (
                SELECT customer_id FROM enrolment
                WHERE journey = {} AND customer_id IS NOT NULL AND (ended IS NULL OR entered_at > {}))
            """,
            .value(journey.name.databaseValue), .value(cutoff.databaseValue), cost: Self.notEnrolledCost)
        let parts: [Condition] = if case .all(let parts) = journey.entry.kind { parts } else { [journey.entry] }
        var entry = SQLFragment.joined((parts.flatMap(compiler.andTerms) + [notEnrolled]).sortedByCost(), separator: " AND ")
            .parenthesised
        let testsCustomerRow = Evaluator.testsCustomerColumns(ruleSet.inliningSegments(in: journey.entry))
        if compiler.dialect.testsRunInWrittenOrder, testsCustomerRow {
            entry = entry.dependingOnCustomerRow
        }
        var query = SQLFragment.composed(
            """
            SELECT c.id, c.external_id, c.time_zone
            FROM customer_facts f \(compiler.dialect.customerJoin(testsCustomerRow: testsCustomerRow))
            WHERE {}
            """,
            entry)
        if case .changedSince(let last) = scope {
            let changed = SQLFragment(
                CustomerStore.customersChangedSinceSQL, [last.mark.seq.databaseValue, last.scannedAt.databaseValue])
            query = SQLFragment.composed("{} AND f.customer_id IN {}", query, changed)
        }
        if let customers {
            query = SQLFragment.composed(
                "{} AND f.customer_id BETWEEN {} AND {}", query,
                .value(customers.lowerBound.databaseValue), .value(customers.upperBound.databaseValue))
        }
        return query
    }
}

/// The entrants the tick's slices find (`ParallelEvaluator.evaluate(journeyEntrants:)`), merged.
public final class JourneyEntrants: Sendable {
    private let entry: JourneyEntry
    private let found = Mutex<JourneyEntry.Found>(JourneyEntry.Found())

    public init(_ entry: JourneyEntry) {
        self.entry = entry
    }

    /// Finds the entrants among `customers` in one slice's snapshot and adds them.
    func scan(customers: ClosedRange<Int64>, in db: Database) throws {
        let part = try entry.entrants(customers: customers, in: db)
        found.withLock { all in
            for (journey, entrants) in part.byJourney { all.byJourney[journey, default: []] += entrants }
            // Every slice reads the same snapshot, so the same mark and scopes.
            all.mark = part.mark
            all.incremental.merge(part.incremental) { $0 && $1 }
        }
    }

    /// Per journey, in customer-id order, with the snapshot's change mark.
    public var all: JourneyEntry.Found {
        var all = found.withLock { $0 }
        all.byJourney = all.byJourney.mapValues { $0.sorted { $0.customerID < $1.customerID } }
        return all
    }
}
