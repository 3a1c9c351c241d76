import CustomerStore
@testable import Evaluation
import Foundation
import GRDB
import PostgresStore
import Testing
import TestSupport

/// The plpgsql functions answer as the SQLite store's registered functions do: day numbers in a
/// zone across DST changes and the date line, 29 February, unknown zones, numbers in text, hashed
/// addresses. Both are asked the same questions in one query each, and the answers compared.
@Suite("PostgreSQL functions")
struct PostgresFunctionsTests {
    static let zones = [
        "Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Kiritimati",
        "Pacific/Pago_Pago", "UTC", "Not/AZone", "", "Mars/Olympus_Mons", "europe/helsinki", "EST5EDT", "GMT", "UTC+3", "GMT+03:00", "Etc/GMT-3", "GMT-0530", "UTC-12", "GMT+14", "GMT+19", "UTC+3:7", "Europe/Helsinki ",
    ]

    /// Around DST changes (Helsinki 2026-03-29 and 2026-10-25 at 01:00 UTC, New York 2026-03-08
    /// at 07:00 UTC), local midnights, 29 February, and before 1970.
    static let instants: [Int64] = [
        1_774_745_999, 1_774_746_000, 1_774_749_600, 1_792_889_999, 1_792_890_000, 1_772_953_200, 1_772_953_199,
        1_709_157_600, 1_709_164_800, 1_709_251_199, 1_740_700_800, 1_740_787_200, -1, -86_400, -86_401, 0, 1_798_761_599,
        1_798_732_800, 1_798_754_400,
    ]

    /// Answers of SQLite (through GRDB with the functions registered) to `sql` over `values`.
    static func sqlite(_ sql: String) throws -> [String] {
        let queue = try DatabaseQueue()
        return try queue.read { db in
            SQLFunctions.register(in: db)
            db.add(function: SuppressionAddress.hashFunction)
            return try Row.fetchAll(db, sql: sql).map { row in
                row.databaseValues.map(\.plainText).joined(separator: "|")
            }
        }
    }

    /// `VALUES (…), (…)` of SQL literals.
    static func values(_ rows: [[String]]) -> String {
        rows.map { "(" + $0.joined(separator: ", ") + ")" }.joined(separator: ", ")
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    @Test("campaignd_day: the local day of an instant in a zone, NULL for an unknown zone")
    func days() async throws {
        let postgres = try await PostgresTestStore()
        let rows = Self.zones.flatMap { zone in Self.instants.map { ["\($0)", Self.literal(zone)] } }
        let sql = "SELECT column1, column2, campaignd_day(column1, column2) FROM (VALUES \(Self.values(rows))) v ORDER BY 1, 2"
        let expected = try Self.sqlite(sql)
        #expect(expected.count == rows.count)
        #expect(expected.contains { $0.hasSuffix("|") }, "some zone is unknown")
        let actual = try postgres.psql(sql)
        let differences = zip(expected, actual).filter { $0 != $1 }
        #expect(actual.count == expected.count && differences.isEmpty, "\(differences.count) differ: \(differences.prefix(5))")
        await postgres.store.close()
    }

    @Test("campaignd_birthday_in: the customer's zone or the business zone, 29 February on 28 February")
    func birthdays() async throws {
        let postgres = try await PostgresTestStore()
        let birthdays = ["1984-02-29", "1990-02-28", "1990-03-01", "2000-12-31", "2001-01-01", "1975-10-25", "1975-03-29", "19x0-01-01"]
        let customerZones = ["Europe/Helsinki", "Pacific/Kiritimati", "Pacific/Pago_Pago", "", "Not/AZone"]
        var rows: [[String]] = []
        for birthday in birthdays {
            for zone in customerZones {
                for business in ["Europe/Helsinki", "Nope/Nope"] {
                    for now in Self.instants where now > 0 {
                        for days in [0, 1, 7] {
                            rows.append([Self.literal(birthday), Self.literal(zone), Self.literal(business), "\(now)", "\(days)"])
                        }
                    }
                }
            }
        }
        let sqliteSQL = "SELECT *, campaignd_birthday_in(column1, column2, column3, column4, column5) FROM (VALUES \(Self.values(rows))) v ORDER BY 1, 2, 3, 4, 5"
        let postgresSQL = "SELECT *, CASE WHEN campaignd_birthday_in(column1, column2, column3, column4, column5) THEN 1 ELSE 0 END FROM (VALUES \(Self.values(rows))) v ORDER BY 1, 2, 3, 4, 5"
        let expected = try Self.sqlite(sqliteSQL)
        #expect(expected.filter { $0.hasSuffix("|1") }.count > 20, "some birthdays fall on the day")
        #expect(expected.contains { $0.hasPrefix("1984-02-29|") && $0.hasSuffix("|1") }, "29 February is celebrated")
        #expect(try postgres.psql(postgresSQL) == expected)
        await postgres.store.close()
    }

    @Test("campaignd_number: whole numbers and decimals in text, NULL for anything else")
    func numbers() async throws {
        let postgres = try await PostgresTestStore()
        let texts = [
            "42", " 42 ", "\t7\t", "-3.5", "+5", "1.", ".5", "-.25", "1e3", "abc", "", "99999999999999999999",
            "-9223372036854775808", "1.2.3", "12,5", "0.10", "--1",
        ]
        let sql = "SELECT column1, campaignd_number(column1) FROM (VALUES \(Self.values(texts.map { [Self.literal($0)] }))) v ORDER BY 1"
        let expected = try Self.sqlite(sql)
        let actual = try postgres.psql(sql)
        #expect(actual.count == expected.count)
        for (left, right) in zip(expected, actual) {
            let (a, b) = (left.split(separator: "|", omittingEmptySubsequences: false), right.split(separator: "|", omittingEmptySubsequences: false))
            #expect(a[0] == b[0])
            #expect(Double(a[1]) == Double(b[1]), "\(left) against \(right)")
        }
        await postgres.store.close()
    }

    @Test("campaignd_address_hash: sha256: and the hex digest of the UTF-8, NULL for NULL")
    func addressHash() async throws {
        let postgres = try await PostgresTestStore()
        let sql = "SELECT column1, campaignd_address_hash(column1) FROM (VALUES ('aino@example.fi'), ('äänekoski|40100|fi'), (''), (NULL)) v ORDER BY column1 IS NULL, 1"
        #expect(try postgres.psql(sql) == Self.sqlite(sql))
        #expect(try postgres.psql("SELECT campaignd_address_hash('aino@example.fi')") == [SuppressionAddress.hashed("aino@example.fi")])
        await postgres.store.close()
    }
}

/// The plpgsql functions' parallel labels: a query PostgreSQL runs in parallel workers must not
/// fail on them (it did at 1M customers, where a `birthday` rule's query went parallel).
@Suite("PostgreSQL functions in parallel queries")
struct PostgresFunctionsParallelTests {
    @Test("every campaignd function answers in a query forced into parallel workers")
    func forcedParallel() async throws {
        let test = try await PostgresTestStore()
        defer { Task { await test.store.close() } }
        // force_parallel_mode puts every parallel-safe plan under a Gather run by a worker, so a
        // function wrongly labelled parallel safe fails here even on a few rows.
        let answers = try test.psql(
            """
            SET force_parallel_mode = on;
            SET parallel_setup_cost = 0;
            SET parallel_tuple_cost = 0;
            SELECT campaignd_day(n * 86400, 'Europe/Helsinki'), campaignd_day(n, 'Not/AZone') IS NULL,
                   campaignd_birthday_in('1984-02-29', 'Europe/Helsinki', 'UTC', 1772409600, n % 3),
                   campaignd_number(n::text), campaignd_address_hash('A@example.com') IS NOT NULL
            FROM generate_series(1, 3) AS g(n);
            """)
        #expect(answers == ["1|t|f|1|t", "2|t|f|2|t", "3|t|f|3|t"], "\(answers)")
    }
}
