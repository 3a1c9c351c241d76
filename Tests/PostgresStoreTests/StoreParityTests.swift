@testable import CustomerStore
@testable import Evaluation
import Foundation
import GRDB
import PostgresStore
import RuleLanguage
import Testing
import TestSupport

/// Issue 18's property: rules compiled for either store find the same customers. A generated
/// store (with sends and suppressions planted so limits, `received` and suppression tests
/// matter, `SQLiteToPostgresCopyTests.stores`) is copied to PostgreSQL; every rule of `bench/rules/typical.rules`, of `rules/` (the
/// PRODUCT.md contract example and the shipped journeys) and the journeys' entry conditions of
/// `bench/journeys/journeys.rules` and `rules/` run on both at several instants, with and
/// without the history fallbacks, and every audience row must be the same.
@Suite("SQLite and PostgreSQL give the same audiences", .serialized)
struct StoreParityTests {
    static let until: Int64 = 1_793_491_200  // 2026-11-01T00:00:00Z
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The rule sets: the benchmark's twenty rules, `rules/` (contract example and journeys) and
    /// the benchmark's journeys.
    static func ruleSets() throws -> [(name: String, ruleSet: RuleSet)] {
        func source(_ path: String) throws -> SourceFile {
            SourceFile(name: path, text: try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
        let starting = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("rules").path)
            .filter { $0.hasSuffix(".rules") }.sorted().map { try source("rules/\($0)") }
        let sets: [(String, [SourceFile])] = [
            ("bench/rules/typical.rules", [try source("bench/rules/typical.rules")]),
            ("rules/", starting),
            ("bench/journeys/journeys.rules", [try source("bench/journeys/journeys.rules")]),
        ]
        return try sets.map { name, files in
            let result = RuleSetLoader.check(files, environment: nil)
            let ruleSet = try #require(result.ruleSet, "\(name): \(DiagnosticRenderer(colour: false).render(result.diagnostics))")
            return (name, ruleSet)
        }
    }

    /// The instants: the day the demo cast is planted for, a later afternoon, and a past one
    /// (history after it: the fallbacks to the history tables run).
    static let instants: [Int64] = [until, until + 86_400 + 13 * 3_600, until - 200 * 86_400 + 9 * 3_600]

    @Test("the audiences of every rule and journey entry are the same on both stores")
    func sameAudiences() async throws {
        let (sqlite, postgres, _) = try await SQLiteToPostgresCopyTests.stores(until: Self.until)

        var compared = 0
        var matched = 0
        for (name, ruleSet) in try Self.ruleSets() {
            for now in Self.instants {
                var settings = EvaluationSettings(
                    now: now, businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR")
                for includeEvidence in [false, true] {
                    settings.includeEvidence = includeEvidence
                    let onSQLite = Evaluator(ruleSet: ruleSet, settings: settings, dialect: .sqlite)
                    let onPostgres = Evaluator(ruleSet: ruleSet, settings: settings, dialect: .postgres)
                    for rule in ruleSet.rules {
                        for current in [false, true] where !(current && now < Self.until) {
                            let expected = try Self.sqliteRows(onSQLite.audienceQuery(for: rule, factsAreCurrent: current), sqlite)
                            let actual = try await Self.postgresRows(onPostgres.audienceQuery(for: rule, factsAreCurrent: current), postgres)
                            Self.expectSame(expected, actual, evidence: includeEvidence, "\(name) \(rule.name) at \(now) current \(current)")
                            compared += 1
                            matched += expected.count
                        }
                    }
                }
                for journey in ruleSet.journeys {
                    let onSQLite = JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: .sqlite)
                    let onPostgres = JourneyEntry(ruleSet: ruleSet, settings: settings, dialect: .postgres)
                    let expected = try Self.sqliteRows(onSQLite.entryQuery(journey, customers: nil), sqlite)
                    let actual = try await Self.postgresRows(onPostgres.entryQuery(journey, customers: nil), postgres)
                    Self.expectSame(expected, actual, evidence: false, "\(name) journey \(journey.name) at \(now)")
                    compared += 1
                    matched += expected.count
                }
            }
        }
        #expect(compared > 150)
        #expect(matched > 1000, "the audiences are not all empty")
        await postgres.store.close()
    }

    /// Rows of a compiled query on SQLite, the functions registered as the evaluator does.
    static func sqliteRows(_ query: SQLFragment, _ store: SQLiteTestStore) throws -> [[SQLValue]] {
        try store.store.inSnapshot { db in
            SQLFunctions.register(in: db)
            return try Row.fetchAll(db, sql: query.sql, arguments: query.statementArguments).map(\.sqlValues)
        }
    }

    static func postgresRows(_ query: SQLFragment, _ store: PostgresTestStore) async throws -> [[SQLValue]] {
        let (sql, arguments) = (query.sql, query.sqlValues)
        return try await store.store.inSnapshot { try await $0.rows(sql, arguments: arguments) }
    }

    /// The same rows in any order; an evidence column (the last) as the same JSON object, its
    /// numbers compared as numbers and truth values as 0 and 1.
    static func expectSame(_ expected: [[SQLValue]], _ actual: [[SQLValue]], evidence: Bool, _ what: String) {
        func key(_ row: [SQLValue]) -> String {
            (evidence ? Array(row.dropLast()) : row).map(\.plainText).joined(separator: "|")
        }
        let left = Dictionary(expected.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let right = Dictionary(actual.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(expected.count == actual.count, "\(what): \(expected.count) rows on SQLite, \(actual.count) on PostgreSQL")
        let missing = Set(left.keys).subtracting(right.keys).sorted().prefix(3)
        let extra = Set(right.keys).subtracting(left.keys).sorted().prefix(3)
        #expect(missing.isEmpty && extra.isEmpty, "\(what): only on SQLite \(Array(missing)), only on PostgreSQL \(Array(extra))")
        guard evidence else { return }
        for (rowKey, row) in left {
            guard let other = right[rowKey] else { continue }
            let (a, b) = (normalisedEvidence(row.last!), normalisedEvidence(other.last!))
            if a != b {
                Issue.record("\(what): evidence differs for \(rowKey): \(row.last!.plainText) against \(other.last!.plainText)")
                return
            }
        }
    }

    /// An evidence object with numbers and truth values as doubles (true is 1), for comparing.
    static func normalisedEvidence(_ value: SQLValue) -> [String: String] {
        guard let text = value.string,
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return ["<not an object>": value.plainText] }
        return object.mapValues { member in
            switch member {
            case let number as NSNumber: "\(number.doubleValue)"
            case is NSNull: "null"
            default: "\(member)"
            }
        }
    }
}
