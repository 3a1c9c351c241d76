import CustomerStore
import Foundation
import GRDB
import Testing

/// `SQLValue` and `SQLRow`, the stores' shared value and row, against GRDB's `DatabaseValue`
/// and `Row` that the SQLite store reads.
@Suite("SQLValue and SQLRow")
struct SQLValueTests {
    static let values: [SQLValue] = [
        .null, .integer(0), .integer(-1), .integer(Int64.min), .integer(Int64.max), .real(0.5), .real(-3.75),
        .real(Double.greatestFiniteMagnitude), .text(""), .text("é \"quoted\"\n\t\\"), .blob(Data()), .blob(Data([0, 1, 255])),
    ]

    @Test("each storage class converts to GRDB's and back unchanged, and through SQLite as an argument")
    func roundTrips() throws {
        for value in Self.values {
            let converted = value.databaseValue
            switch (value, converted.storage) {
            case (.null, .null), (.integer, .int64), (.real, .double), (.text, .string), (.blob, .blob): break
            default: Issue.record("\(value) became \(converted)")
            }
            #expect(SQLValue(converted) == value)
            #expect(SQLValue.fromDatabaseValue(converted) == value)
        }
        let selected = try DatabaseQueue().read { db in
            try Self.values.map { value in try Row.fetchOne(db, sql: "SELECT ?", arguments: StatementArguments([value]))![0] as SQLValue }
        }
        #expect(selected == Self.values)
    }

    @Test("StatementArguments(each:) binds what GRDB's own init binds, in order")
    func eachBindsAsGRDB() throws {
        // StatementArguments is not Equatable; its description lists the values.
        #expect(StatementArguments(each: Self.values).description == StatementArguments(Self.values).description)
        #expect(StatementArguments(each: [Int64(3), -7, .max]).description == "[3, -7, 9223372036854775807]")
        #expect(StatementArguments(each: [String]()).description == StatementArguments().description)
        let marks = Self.values.map { _ in "?" }.joined(separator: ", ")
        let selected = try DatabaseQueue().read { db in
            try Row.fetchOne(db, sql: "SELECT \(marks)", arguments: StatementArguments(each: Self.values))!
        }
        #expect(selected.sqlValues == Self.values)
    }

    @Test("the accessors convert as GRDB's fromDatabaseValue does, and print as DatabaseValue prints")
    func accessorsMatchGRDB() {
        let values = Self.values + [
            .real(3.9), .real(-3.9), .real(1e19), .real(-1e19), .real(9.2e18), .integer(1 << 40), .text("12"),
            .blob(Data("text".utf8)), .blob(Data([0xFF, 0xFE])),
        ]
        for value in values {
            let grdb = value.databaseValue
            #expect(value.int64 == Int64.fromDatabaseValue(grdb), "\(value)")
            #expect(value.int == Int.fromDatabaseValue(grdb), "\(value)")
            #expect(value.double == Double.fromDatabaseValue(grdb), "\(value)")
            #expect(value.string == String.fromDatabaseValue(grdb), "\(value)")
            #expect(value.bool == Bool.fromDatabaseValue(grdb), "\(value)")
            #expect(value.data == Data.fromDatabaseValue(grdb), "\(value)")
            #expect(value.isNull == grdb.isNull, "\(value)")
            #expect(value.description == grdb.description, "\(value)")
        }
    }

    static let sendSQL = """
        SELECT 7 AS id, 's-7' AS send_id, 'welcome' AS rule, 'h1' AS rule_hash, NULL AS customer_id, 'email' AS channel,
               'a@example.com' AS target, 3 AS window_key, 100 AS decided_at, 'queued' AS status, NULL AS reason,
               '{}' AS evidence, 160.0 AS due_at, 2 AS attempts, NULL AS last_error, 120 AS updated_at, 'j' AS journey,
               's1' AS step, 'marketing' AS purpose, 'CODE' AS coupon, 'b' AS variant, 'C7' AS customer_external_id
        """

    @Test("a send row decodes the same from GRDB's row and from a SQLRow: missing optional columns nil, missing required ones an error")
    func sendRecordByName() throws {
        let row = try DatabaseQueue().read { try Row.fetchOne($0, sql: Self.sendSQL)! }
        let fromGRDB = try SendRecord(row: row)
        let named = SQLRow(row)
        #expect(named.columns.first == "id" && named.values.first == .integer(7))
        #expect(try SendRecord(row: named) == fromGRDB)
        #expect(fromGRDB.dueAt == 160 && fromGRDB.customerID == nil && fromGRDB.coupon == "CODE" && fromGRDB.status == .queued)
        #expect(try SendLogEntry(row: named) == SendLogEntry(row: row))
        #expect(try SendLogEntry(row: named).externalID == "C7")

        func without(_ column: String, replacing: SQLValue? = nil) -> SQLRow {
            let index = named.columns.firstIndex(of: column)!
            guard let replacing else {
                var (columns, values) = (named.columns, named.values)
                columns.remove(at: index)
                values.remove(at: index)
                return SQLRow(columns: columns, values: values)
            }
            var values = named.values
            values[index] = replacing
            return SQLRow(columns: named.columns, values: values)
        }
        #expect(try SendRecord(row: without("coupon")).coupon == nil)
        #expect(throws: DecodingError.self) { try SendRecord(row: without("rule")) }
        #expect(throws: DecodingError.self) { try SendRecord(row: without("rule", replacing: .null)) }
        #expect(throws: DecodingError.self) { try SendRecord(row: without("id", replacing: .text("seven"))) }
        #expect(throws: DecodingError.self) { try SendRecord(row: without("status", replacing: .text("lost"))) }
        // Column names compare ignoring case, as SQLite's do.
        let upper = SQLRow(columns: named.columns.map { $0.uppercased() }, values: named.values)
        #expect(try SendRecord(row: upper) == fromGRDB)
    }

    @Test("a Decodable record decodes the same from a SQLRow as GRDB's FetchableRecord decodes it: booleans, enums, NULLs")
    func decodableRecordByName() throws {
        let sql = """
            SELECT 1 AS id, 'onboarding' AS journey, 5 AS customer_id, 100 AS entered_at, 'h' AS journey_hash, 1 AS holdout,
                   'first' AS step, 100 AS step_since, 200 AS wait_ends_at, 'goal' AS ended, NULL AS ended_detail, 150 AS ended_at
            UNION ALL
            SELECT 2, 'onboarding', NULL, 300, 'h', 0, 'second', 300, 400, NULL, NULL, NULL
            """
        let rows = try DatabaseQueue().read { try Row.fetchAll($0, sql: sql) }
        let fromGRDB = try rows.map(Enrolment.init(row:))
        let fromSQLRows = try rows.map(SQLRow.init).map(Enrolment.init(row:))
        #expect(fromSQLRows == fromGRDB)
        #expect(fromSQLRows.map(\.holdout) == [true, false])
        #expect(fromSQLRows.map(\.ended) == [.goal, nil])
        #expect(fromSQLRows.map(\.customerID) == [5, nil])

        let badEnd = SQLRow(
            columns: rows[0].columnNames.map { $0 },
            values: SQLRow(rows[0]).values.enumerated().map { $0.offset == 9 ? .text("lost") : $0.element })
        #expect(throws: DecodingError.self) { try Enrolment(row: badEnd) }
        let noEndedAt = SQLRow(columns: Array(SQLRow(rows[0]).columns.dropLast()), values: Array(SQLRow(rows[0]).values.dropLast()))
        #expect(try Enrolment(row: noEndedAt).endedAt == nil)
    }
}
