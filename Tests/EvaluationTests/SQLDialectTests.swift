import CustomerStore
@testable import Evaluation
import Foundation
import RuleLanguage
import Testing

/// The compiler spells SQLite-only constructs only through `SQLDialect`: compiled with a dialect
/// whose every spelling is a marker, the SQL of every shipped rule holds the markers and none of
/// SQLite's own spellings.
@Suite("SQL dialect")
struct SQLDialectTests {
    /// Each spelling replaced by a distinctive marker. Operands are separated by ` | `, not by
    /// commas, so SQLite's spellings cannot hide inside them.
    static let marked: SQLDialect = {
        var dialect = SQLDialect.sqlite
        dialect.name = "marked"
        dialect.trueLiteral = "TRUE_MARK"
        dialect.falseLiteral = "FALSE_MARK"
        dialect.ifNull = { "IFNULL_MARK(\($0) | \($1))" }
        dialect.nullSafeEquals = { "NULLSAFE_MARK(\($0) | \($1))" }
        dialect.greatest = { "GREATEST_MARK(\($0.joined(separator: " | ")))" }
        dialect.integerQuotient = { "QUOTIENT_MARK(\($0) | \($1))" }
        dialect.orderedJoin = { "ORDERED_JOIN_MARK(\($0) | \($1) | \($2))" }
        dialect.localDay = { "LOCAL_DAY_MARK(\($0) | \($1))" }
        dialect.birthdayIn = { "BIRTHDAY_MARK(\([$0, $1, $2, $3, $4].joined(separator: " | ")))" }
        dialect.monthDay = { "MONTH_DAY_MARK(\($0))" }
        dialect.number = { "NUMBER_MARK(\($0))" }
        dialect.addressHash = { "ADDRESS_HASH_MARK(\($0))" }
        dialect.attributePath = { $0.contains("\"") ? nil : "PATH_MARK:\($0)" }
        dialect.attributeAtPath = { "AT_PATH_MARK(\($0) | \($1))" }
        dialect.attributeWithKey = { "WITH_KEY_MARK(\($0) | \($1))" }
        dialect.jsonObject = { "JSON_OBJECT_MARK(\($0.map { "\($0.key) | \($0.value)" }.joined(separator: " | ")))" }
        dialect.majorUnitsText = { "MAJOR_UNITS_MARK(\($0) | \($1))" }
        dialect.dateText = { "DATE_TEXT_MARK(\($0))" }
        return dialect
    }()

    static let markers = [
        "TRUE_MARK", "FALSE_MARK", "IFNULL_MARK", "NULLSAFE_MARK", "GREATEST_MARK", "QUOTIENT_MARK", "ORDERED_JOIN_MARK",
        "LOCAL_DAY_MARK", "BIRTHDAY_MARK", "MONTH_DAY_MARK", "NUMBER_MARK", "ADDRESS_HASH_MARK", "PATH_MARK:",
        "AT_PATH_MARK", "WITH_KEY_MARK", "JSON_OBJECT_MARK", "MAJOR_UNITS_MARK", "DATE_TEXT_MARK",
    ]

    /// Names and keywords only SQLite (with campaignd's functions) understands as the compiler
    /// used them.
    static let sqliteSpellings = [
        "campaignd_", "json_extract", "json_each", "json_object", "printf", "date(", "unixepoch", "ifnull", "substr",
        "instr", "CROSS JOIN", " IS '", "IS 'granted'", "strftime", "julianday", "glob", "->>",
    ]

    /// Every fact, money and dates in the evidence, an attribute only a key can name.
    static let everyFact = """
        segment key = spent in last 365 days >= 2000
        rule "every-fact" {
          when orders >= 1 and orders in last 30 days < 5 and spent >= 99.95 and spent in last 90 days <= 300
            and purchase in last 10 days and days since last purchase >= 3 and days since first purchase < 400
            and first purchase >= 2024-02-29 and last purchase != 2025-01-01 and nps <= 6 and csat >= 3 and ces = 2
            and feedback in last 3 days and nps feedback in last 4 days and event "cart_abandoned" in last 1 days
            and birthday in 3 days and joined > 2020-01-01 and days since joined >= 10 and consent email
            and tagged "vip" and email != "x" and city in ("Helsinki", "Espoo") and attribute "tier" = "gold"
            and attribute "score" >= 3.5 and attribute "we\\"ird" = "q" and not (key or no event "x" in last 2 days)
          send email "e"
          limit once
        }
        rule "webhook" {
          when consent webhook or ces feedback in last 1 days
          send webhook "crm"
        }
        """

    /// `bench/rules/typical.rules`, `rules/*.rules` (one rule set, as campaignd loads the
    /// directory: journeys.rules uses lifecycle.rules' segments and rules) and `everyFact`.
    static func ruleSets() throws -> [(name: String, ruleSet: RuleSet)] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let demo = root.appendingPathComponent("rules")
        func source(_ url: URL) throws -> SourceFile {
            SourceFile(name: url.path, text: try String(contentsOf: url, encoding: .utf8))
        }
        let starting = try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".rules") }.sorted()
            .map { try source(demo.appendingPathComponent($0)) }
        let sets: [(name: String, files: [SourceFile])] = [
            ("bench/rules/typical.rules", [try source(root.appendingPathComponent("bench/rules/typical.rules"))]),
            ("rules/", starting),
            ("every-fact.rules", [SourceFile(name: "every-fact.rules", text: everyFact)]),
        ]
        return try sets.map { set in
            let result = RuleSetLoader.check(set.files, environment: nil)
            let ruleSet = try #require(result.ruleSet, "\(set.name): \(DiagnosticRenderer(colour: false).render(result.diagnostics))")
            return (set.name, ruleSet)
        }
    }

    /// Every query the compiler writes for these rules: audience queries (with and without the
    /// history fallbacks and the evidence), explanation probes, the dispatch-time checks and the
    /// history check.
    static func compiledSQL(_ ruleSet: RuleSet, dialect: SQLDialect) -> [(sql: String, arguments: [String])] {
        var settings = EvaluationSettings(now: 1_795_000_000, businessTimeZone: TimeZone(identifier: "Europe/Helsinki")!, currency: "EUR")
        var queries: [SQLFragment] = []
        for includeEvidence in [false, true] {
            settings.includeEvidence = includeEvidence
            let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: dialect)
            for rule in ruleSet.rules {
                queries.append(evaluator.audienceQuery(for: rule, factsAreCurrent: false))
                queries.append(evaluator.audienceQuery(for: rule, factsAreCurrent: true))
            }
        }
        let explainer = Explainer(ruleSet: ruleSet, settings: settings, dialect: dialect)
        queries += ruleSet.rules.map { explainer.probeQuery(for: $0, customerID: 1).query }
        queries += Channel.allCases.map { ConsentCheck.query(customer: 1, channel: $0, purpose: .marketing, now: settings.now, dialect: dialect) }
        let evaluator = Evaluator(ruleSet: ruleSet, settings: settings, dialect: dialect)
        queries.append(SQLFragment(evaluator.latestHistorySQL(customers: 1...9)))
        return queries.map { ($0.sql, $0.arguments.map(\.description)) }
    }

    @Test("with a marked dialect, no SQLite-only spelling is left and every marker is used")
    func everySQLiteSpellingGoesThroughTheDialect() throws {
        var used: Set<String> = []
        for (name, ruleSet) in try Self.ruleSets() {
            for (sql, arguments) in Self.compiledSQL(ruleSet, dialect: Self.marked) {
                let text = sql + "\n-- " + arguments.joined(separator: ", ")
                for spelling in Self.sqliteSpellings {
                    #expect(!sql.contains(spelling), "\(name): '\(spelling)' in \(sql)")
                }
                #expect(Self.rawBooleans(in: sql).isEmpty, "\(name): \(Self.rawBooleans(in: sql)) in \(sql)")
                for call in Self.calls(to: "max", in: sql) + Self.calls(to: "min", in: sql) {
                    #expect(call.count == 1, "\(name): scalar max/min \(call) in \(sql)")
                }
                used.formUnion(Self.markers.filter { text.contains($0) })
            }
        }
        #expect(Set(Self.markers).subtracting(used).isEmpty, "markers never produced: \(Set(Self.markers).subtracting(used).sorted())")
    }

    @Test("the same checks find SQLite's spellings, raw truth values and scalar max in SQL compiled for SQLite")
    func checksHaveTeeth() throws {
        var spellings: Set<String> = []
        var rawBooleans: [String] = []
        var scalarCalls = 0
        for (_, ruleSet) in try Self.ruleSets() {
            for (sql, _) in Self.compiledSQL(ruleSet, dialect: .sqlite) {
                spellings.formUnion(Self.sqliteSpellings.filter { sql.contains($0) })
                rawBooleans += Self.rawBooleans(in: sql)
                scalarCalls += Self.calls(to: "max", in: sql).filter { $0.count > 1 }.count
            }
        }
        #expect(spellings == ["campaignd_", "json_extract", "json_each", "json_object", "printf", "date(", "unixepoch",
                              "ifnull", "substr", "CROSS JOIN", " IS '", "IS 'granted'"])
        #expect(!rawBooleans.isEmpty && scalarCalls > 0)
    }

    @Test("SQL compiled for PostgreSQL has none of SQLite's own spellings, integer truth values or scalar max")
    func postgresSpellings() throws {
        // PostgreSQL has substr (the birthday index's expression) and ->> (attributes) too.
        let sqliteOnly = Self.sqliteSpellings.filter { !["substr", "->>", "campaignd_"].contains($0) }
        for (name, ruleSet) in try Self.ruleSets() {
            for (sql, _) in Self.compiledSQL(ruleSet, dialect: .postgres) {
                for spelling in sqliteOnly {
                    #expect(!sql.contains(spelling), "\(name): '\(spelling)' in \(sql)")
                }
                for call in Self.calls(to: "max", in: sql) + Self.calls(to: "min", in: sql) {
                    #expect(call.count == 1, "\(name): scalar max/min \(call) in \(sql)")
                }
                // Truth values are PostgreSQL's own (rawBooleans cannot tell them here: this
                // dialect's ifNull is the coalesce that heuristic reads as a truth fallback).
                for raw in ["THEN 1", "ELSE 1", ", 1)", "ELSE 0", " IS 1", " IS 0"] {
                    #expect(!sql.contains(raw), "\(name): '\(raw)' in \(sql)")
                }
            }
        }
    }

    @Test("the SQLite dialect's spellings are what the SQL functions register and SQLite runs")
    func sqliteSpellings() {
        let dialect = SQLDialect.sqlite
        #expect(dialect.localDay("a", "b") == "campaignd_day(a, b)" && SQLFunctions.day.name == "campaignd_day")
        #expect(dialect.birthdayIn("a", "b", "c", "d", "e") == "campaignd_birthday_in(a, b, c, d, e)")
        #expect(SQLFunctions.birthdayIn.name == "campaignd_birthday_in")
        #expect(dialect.number("a") == "campaignd_number(a)" && SQLFunctions.number.name == "campaignd_number")
        #expect(dialect.addressHash("a") == "campaignd_address_hash(a)")
        #expect(SuppressionAddress.hashFunction.name == "campaignd_address_hash")
        #expect(dialect.attributePath("tier") == "$.\"tier\"" && dialect.attributePath("we\"ird") == nil)
        #expect(dialect.majorUnitsText("v", 2) == "printf('%.2f', v / 100.0)")
        #expect(dialect.majorUnitsText("v", 0) == "printf('%.0f', v / 1.0)")
        #expect(dialect.jsonObject([("?", "a"), ("?", "b")]) == "json_object(?, a, ?, b)")
    }

    /// `0`/`1` where a condition's truth is meant: after `THEN`/`ELSE`, as the fallback of a
    /// `coalesce` that is not a sum, or as a whole column of the select list.
    static func rawBooleans(in sql: String) -> [String] {
        // `THEN 0 WHEN f.first_purchase_at …` is a purchase count of 0, not a truth value.
        var found = sql.ranges(of: /(THEN|ELSE) [01]\b/).map { String(sql[$0.lowerBound...].prefix(40)) }
            .filter { !$0.hasPrefix("THEN 0 WHEN f.first_purchase_at") }
        found += sql.ranges(of: /, [01](,|\n| FROM)/).map { String(sql[$0]) }
        found += calls(to: "coalesce", in: sql).filter { ["0", "1"].contains($0.last) && $0.first != "sum(p.amount_minor)" }
            .map { "coalesce(\($0.joined(separator: ", ")))" }
        return found
    }

    /// The top-level arguments of each call to `function` in `sql`.
    static func calls(to function: String, in sql: String) -> [[String]] {
        var result: [[String]] = []
        var rest = sql[...]
        while let start = rest.range(of: function + "(") {
            let before = start.lowerBound == sql.startIndex ? " " : sql[sql.index(before: start.lowerBound)]
            rest = rest[start.upperBound...]
            guard !(before.isLetter || before.isNumber || before == "_") else { continue }
            var depth = 0
            var arguments: [String] = []
            var current = ""
            for character in rest {
                if character == "(" { depth += 1 }
                if character == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                if character == "," && depth == 0 {
                    arguments.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                } else {
                    current.append(character)
                }
            }
            arguments.append(current.trimmingCharacters(in: .whitespaces))
            result.append(arguments)
        }
        return result
    }
}
