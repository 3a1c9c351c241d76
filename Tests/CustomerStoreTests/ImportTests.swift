@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// Every test that reads and writes a store runs on both (the PostgreSQL store imports with the
/// `PostgresImporter`); SQLite-only are the tests of SQLite's own SQL (`json_extract`, a `RAISE`
/// trigger) and of the exact columns and summary of its bulk path.
@Suite("Import")
struct ImportTests {
    static let customers = """
        id,email,name,phone,street,postal_code,city,country,birthday,joined,time_zone,locale,tags,shoe_size
        C1,aino.virtanen@example.fi,Aino Virtanen,+358 40 1234567,Kauppakatu 3,44100,Äänekoski,fi,1984-02-29,2024-01-15,Europe/Helsinki,fi-FI,vip;newsletter,38
        C2,"olli.ohman@example.fi","Öhman, Olli",,,,,FI,,2024-03-01T09:30:00+02:00,,sv-FI,,

        """

    @Test("amounts: the allocation-free common case and the general parser agree, errors included")
    func amounts() {
        func minor(_ text: String, _ exponent: Int = 2) -> String {
            switch FieldParsers.minorUnits(text, exponent: exponent) {
            case .success(let value): "\(value)"
            case .failure(let error): error.message
            }
        }
        #expect(minor("19.90") == "1990" && minor("19.9") == "1990" && minor("19") == "1900" && minor("0.05") == "5")
        #expect(minor("1.230") == "123" && minor("1.2300000000000000000000") == "123" && minor("007.00") == "700")
        #expect(minor("123456789012345.99") == "12345678901234599")
        #expect(minor("1500", 0) == "1500" && minor("1500.000", 0) == "1500" && minor("1.5", 3) == "1500")
        #expect(minor(" 19.90 ") == "1990")  // spaces: the general parser
        #expect(minor("1.234") == "amount '1.234' has more than 2 decimals")
        #expect(minor("1.5", 0) == "amount '1.5' has more than 0 decimals")
        #expect(minor("-1.00") == "negative amount '-1.00'")
        for bad in ["", ".5", "5.", "1.2.3", "1,00", "1e3", "1234567890123456", "١٢"] {
            #expect(minor(bad) == "'\(bad)' is not an amount like 19.90", "\(bad)")
        }
    }

    @Test("a good customers CSV fills every column, tags and custom attributes")
    func goodCustomers() throws {
        let test = try TestStore()
        let (summary, problems) = try test.importFile(.customers, test.file("customers.csv", Self.customers))
        #expect(problems.isEmpty)
        #expect(summary == { var s = ImportSummary(); s.rows = 2; s.written = 2; s.bulk = true; return s }())
        let row = try #require(try test.store.database.read { try Row.fetchOne($0, sql: "SELECT * FROM customer WHERE external_id = 'C1'") })
        #expect(row["city"] == "Äänekoski")
        #expect(row["country"] == "FI")
        #expect(row["birthday"] == "1984-02-29")
        #expect(row["joined_at"] == utc(2024, 1, 14, 22))  // midnight in Helsinki (UTC+2 in January)
        #expect(row["attributes"] == #"{"shoe_size":"38"}"#)
        #expect(try test.string("SELECT name FROM customer WHERE external_id = 'C2'") == "Öhman, Olli")
        #expect(try test.int("SELECT joined_at FROM customer WHERE external_id = 'C2'") == Int(utc(2024, 3, 1, 7, 30)))
        let tags = try test.store.database.read { try String.fetchAll($0, sql: "SELECT tag FROM customer_tag ORDER BY tag") }
        #expect(tags == ["newsletter", "vip"])
    }

    @Test("JSON Lines imports the same as CSV, with lists for tags and numbers for amounts", arguments: StoreKind.allCases)
    func jsonLines(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("customers.jsonl", """
            {"id": "C1", "email": "a@example.fi", "name": "Äänekoski Aino", "tags": ["vip"], "birthday": "1990-05-01"}
            {"id": "C2", "email": "b@example.fi"}

            """))
        let (summary, problems) = try await test.importing(.purchases, test.file("purchases.jsonl", """
            {"customer": "C1", "order": "O1", "at": "2025-01-01T10:00:00Z", "amount": 19.9}
            {"customer": "C1", "order": "O2", "at": "2025-01-02", "amount": "0.10", "currency": "EUR"}
            """))
        #expect(problems.isEmpty)
        #expect(summary.written == 2)
        #expect(try await test.factsRow("C1")?["spent_minor"] == 2000 as Int64)
        #expect(try await test.text("SELECT name FROM customer WHERE external_id = 'C1'") == "Äänekoski Aino")
        #expect(try await test.integer("SELECT count(*) FROM customer_tag") == 1)
    }

    @Test("a JSON Lines row without a field leaves that column alone on update", arguments: StoreKind.allCases)
    func jsonLinesPartialUpdate(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("a.jsonl", #"{"id": "C1", "email": "a@example.fi", "city": "Oulu"}"#))
        try await test.importing(.customers, test.file("b.jsonl", #"{"id": "C1", "city": "Turku"}"#))
        #expect(try await test.text("SELECT email FROM customer") == "a@example.fi")
        #expect(try await test.text("SELECT city FROM customer") == "Turku")
    }

    @Test("re-importing the same files changes nothing", arguments: StoreKind.allCases)
    func idempotent(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let files: [(ImportKind, String)] = [
            (.customers, try test.file("c.csv", Self.customers)),
            (.purchases, try test.file("p.csv", "customer,order,at,amount,currency\nC1,O1,2025-01-01,10.00,EUR\n")),
            (.events, try test.file("e.csv", "customer,name,at,page\nC1,cart_abandoned,2025-01-01,/cart\n")),
            (.feedback, try test.file("f.csv", "customer,kind,score,at,comment\nC1,nps,9,2025-01-01,fine\n")),
            (.consents, try test.file("k.csv", "customer,channel,status,at,basis\nC1,email,granted,2025-01-01,consent\n")),
        ]
        for (kind, path) in files { try await test.importing(kind, path) }
        let before = try await test.tableCounts()
        let facts = try await test.factsRow("C1")
        for (kind, path) in files {
            let (summary, _) = try await test.importing(kind, path)
            #expect(summary.written == 0, "\(kind) wrote again")
            #expect(summary.unchanged == summary.rows)
        }
        #expect(try await test.tableCounts() == before)
        #expect(try await test.factsRow("C1") == facts)
    }

    @Test("one bad row means nothing is written, and every bad row is reported", arguments: StoreKind.allCases)
    func atomic(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let path = try test.file("c.csv", "id,email\nC1,a@example.fi\nC2,not-an-email\nC3,c@example.fi\nC4,also bad\n")
        let (error, problems) = await test.failing(.customers, path)
        #expect(error is ImportFailed)
        #expect(problems.map(\.description) == [
            "\(path):3:4: invalid email address 'not-an-email'",
            "\(path):5:4: invalid email address 'also bad'",
        ])
        #expect(try await test.integer("SELECT count(*) FROM customer") == 0)
    }

    @Test("--skip-invalid writes the good rows and reports each bad one", arguments: StoreKind.allCases)
    func skipInvalid(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let path = try test.file("c.csv", "id,email\nC1,a@example.fi\nC2,not-an-email\nC3,c@example.fi\n")
        let (summary, problems) = try await test.importing(.customers, path, skipInvalid: true)
        #expect(summary.written == 2 && summary.invalid == 1 && summary.rows == 3)
        #expect(problems.map(\.description) == ["\(path):3:4: invalid email address 'not-an-email'"])
        #expect(try await test.integer("SELECT count(*) FROM customer") == 2)
    }

    /// Each kind of bad row, with the exact problem expected at its line and column.
    @Test("each kind of bad row is reported as FILE:LINE:COLUMN: message", arguments: StoreKind.allCases, [
        (ImportKind.purchases, "customer,order,at,amount\nC1,O1,2025-13-01,10\n", "2:7: invalid date '2025-13-01' in 'at'; expected ISO 8601 like 2025-06-30 or 2025-06-30T14:05:00+03:00"),
        (.purchases, "customer,order,at,amount\nC1,O1,2025-02-29,10\n", "2:7: invalid date '2025-02-29' in 'at'; expected ISO 8601 like 2025-06-30 or 2025-06-30T14:05:00+03:00"),
        (.purchases, "customer,order,at,amount\nC1,O1,2025-01-01,-5.00\n", "2:18: negative amount '-5.00'"),
        (.purchases, "customer,order,at,amount\nC1,O1,2025-01-01,1.999\n", "2:18: amount '1.999' has more than 2 decimals"),
        (.purchases, "customer,order,at,amount\nC1,O1,2025-01-01,1e3\n", "2:18: '1e3' is not an amount like 19.90"),
        (.purchases, "customer,order,at,amount\nNOPE,O1,2025-01-01,10\n", "2:1: unknown customer 'NOPE'; import customers first"),
        (.purchases, "customer,order,at,amount,currency\nC1,O1,2025-01-01,10,USD\n", "2:21: currency USD differs from the store's currency EUR"),
        (.purchases, "customer,order,amount\nC1,O1,10\n", "1:1: missing required column 'at' for purchases (expected customer,order,at,amount,currency,coupon)"),
        (.purchases, "customer,order,at,amout\nC1,O1,2025-01-01,10\n", "1:1: missing required column 'amount' for purchases (expected customer,order,at,amount,currency,coupon)"),
        (.purchases, "customer,order,at,amount,note\nC1,O1,2025-01-01,10,x\n", "1:26: unknown column 'note' for purchases"),
        (.purchases, "customer,order,at,amount\nC1,,2025-01-01,10\n", "2:4: missing value for 'order'"),
        (.purchases, "customer,order,at,amount\nC1,O1,2025-01-01\n", "2:7: row has 3 values but the header has 4 columns"),
        (.purchases, "customer,order,at,amount\nC1,O\"1,2025-01-01,10\n", "2:5: a '\"' inside an unquoted value; quote the whole value and double the '\"'"),
        (.purchases, "customer,order,at,amount\nC1,\"O1,2025-01-01,10\n", "2:4: unterminated quoted value"),
        (.customers, "id,email\nC9,x@@example.fi\n", "2:4: invalid email address 'x@@example.fi'"),
        (.customers, "id,birthday\nC9,1990-02-30\n", "2:4: invalid birthday '1990-02-30'; expected a date like 1984-02-29"),
        (.customers, "id,time_zone\nC9,Europe/Helsingfors\n", "2:4: unknown time zone 'Europe/Helsingfors'; expected an IANA name like Europe/Helsinki"),
        (.customers, "id,name\nC9,\"Evil\r\nBcc: x@example.com\"\n", "2:4: 'name' contains a line break or control character"),
        (.customers, "email\nx@example.fi\n", "1:1: missing required column 'id' for customers (expected id,email,name,phone,street,postal_code,city,country,birthday,joined,time_zone,locale,tags)"),
        (.feedback, "customer,kind,score,at\nC1,nps,11,2025-01-01\n", "2:8: nps score must be a whole number from 0 to 10, not '11'"),
        (.feedback, "customer,kind,score,at\nC1,ces,0,2025-01-01\n", "2:8: ces score must be a whole number from 1 to 7, not '0'"),
        (.feedback, "customer,kind,score,at\nC1,nsp,5,2025-01-01\n", "2:4: unknown feedback kind 'nsp'; expected nps, csat or ces"),
        (.consents, "customer,channel,status,at\nC1,sms,granted,2025-01-01\n", "2:4: unknown channel 'sms'; expected email, letter or webhook"),
        (.consents, "customer,channel,status,at\nC1,email,yes,2025-01-01\n", "2:10: consent status must be 'granted' or 'withdrawn', not 'yes'"),
        (.events, "customer,name,at,properties\nC1,x,2025-01-01,[1]\n", "2:17: 'properties' must be a JSON object"),
        (.purchases, "{\"customer\": \"C1\", \"order\": \"O1\", \"at\": \"2025-01-01\"}\n", "1:1: missing required field 'amount'"),
        (.purchases, "{\"customer\": \"C1\", \"order\": \"O1\", \"at\": \"2025-01-01\", \"amount\": 1, \"amt\": 2}\n", "1:68: unknown field 'amt' for purchases (did you mean 'at'?)"),
        (.purchases, "{\"customer\": \"C1\", \"order\": \n", "1:1: invalid JSON"),
    ])
    func badRow(on store: StoreKind, _ bad: (kind: ImportKind, text: String, expected: String)) async throws {
        let test = try await TestStore(on: store)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("c.csv", "id\nC1\n"))
        let name = bad.text.hasPrefix("{") ? "bad.jsonl" : "bad.csv"
        let path = try test.file(name, bad.text)
        let before = try await test.tableCounts()
        let (error, problems) = await test.failing(bad.kind, path)
        let reported = problems.map(\.description) + [(error as? ImportProblem)?.description].compactMap { $0 }
        #expect(reported == ["\(path):\(bad.expected)"])
        #expect(error != nil)
        #expect(try await test.tableCounts() == before)
    }

    @Test("invalid UTF-8 is reported at its line and column, and nothing is written", arguments: StoreKind.allCases)
    func invalidUTF8(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        var bytes = Array("id,name\nC1,Aino\nC2,Ab".utf8)
        bytes += [0xC3, 0x28]  // an invalid two-byte sequence
        bytes += Array("c\n".utf8)
        let path = try test.file("bad.csv", bytes: bytes)
        let (error, problems) = await test.failing(.customers, path)
        #expect(error is ImportFailed)
        #expect(problems.map(\.description) == ["\(path):3:6: invalid UTF-8 in value"])
        #expect(try await test.integer("SELECT count(*) FROM customer") == 0)
    }

    @Test("CRLF line ends, a byte order mark and quoted newlines are read correctly", arguments: StoreKind.allCases)
    func csvDialect(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let text = "\u{FEFF}id,name,street\r\nC1,\"Virtanen, Aino\",\"Kauppakatu 3\"\r\nC2,Leo,\"He said \"\"hi\"\"\"\r\n"
        let (summary, problems) = try await test.importing(.customers, test.file("c.csv", text))
        #expect(problems.isEmpty)
        #expect(summary.written == 2)
        #expect(try await test.text("SELECT name FROM customer WHERE external_id = 'C1'") == "Virtanen, Aino")
        #expect(try await test.text("SELECT street FROM customer WHERE external_id = 'C2'") == "He said \"hi\"")
        // A quoted value with a newline moves later rows' line numbers on.
        let path = try test.file("f.csv", "customer,kind,score,at,comment\nC1,nps,9,2025-01-01,\"multi\nline\"\nC1,nps,x,2025-01-02,\n")
        let (_, bad) = await test.failing(.feedback, path)
        #expect(bad.map(\.description) == ["\(path):4:8: nps score must be a whole number from 0 to 10, not 'x'"])
    }

    @Test("a missing file is a clear error", arguments: StoreKind.allCases)
    func missingFile(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let (error, _) = await test.failing(.customers, "\(test.directory)/nope.csv")
        #expect((error as? ImportProblem)?.description == "\(test.directory)/nope.csv:1:1: no such file")
    }

    @Test("an empty cell clears a custom attribute; other attributes stay", arguments: StoreKind.allCases)
    func attributes(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("a.csv", "id,shoe_size,tier\nC1,38,gold\n"))
        try await test.importing(.customers, test.file("b.csv", "id,shoe_size\nC1,\n"))
        #expect(try await test.text("SELECT attributes FROM customer") == #"{"tier":"gold"}"#)
    }

    @Test("attribute values are stored as JSON strings escaped by JSONString, and read back intact")
    func attributeEscaping() throws {
        let test = try TestStore()
        try test.importFile(.customers, test.file("a.csv", "id,note\nC1,\"say \"\"hi\"\" \\ ä\u{2028}€\"\n"))
        #expect(try test.string("SELECT attributes FROM customer") == #"{"note":"say \"hi\" \\ ä\u2028€"}"#)
        #expect(try test.string("SELECT json_extract(attributes, '$.note') FROM customer") == "say \"hi\" \\ ä\u{2028}€")
    }

    @Test("amounts are exact in the minor units of the store currency (three decimals for KWD)", arguments: StoreKind.allCases)
    func currencyExponent(on kind: StoreKind) async throws {
        let test = try await TestStore(currency: "KWD", on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("c.csv", "id\nC1\n"))
        try await test.importing(.purchases, test.file("p.csv", "customer,order,at,amount,currency\nC1,O1,2025-01-01,1.234,KWD\n"))
        #expect(try await test.factsRow("C1")?["spent_minor"] == 1234 as Int64)
    }

    @Test("large files go through the batched path: counts, facts and fallback to row-by-row for a bad row", arguments: StoreKind.allCases)
    func batchedPurchases(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("c.csv", "id\nC1\nC2\n"))
        var lines = ["customer,order,at,amount"]
        for order in 1...2000 {
            lines.append("\(order == 1234 ? "NOPE" : (order % 2 == 0 ? "C1" : "C2")),O\(order),2025-01-01T00:00:00Z,1.00")
        }
        let path = try test.file("p.csv", lines.joined(separator: "\n") + "\n")
        let (error, problems) = await test.failing(.purchases, path)
        #expect(error is ImportFailed)
        #expect(problems.map(\.description) == ["\(path):1235:1: unknown customer 'NOPE'; import customers first"])
        #expect(try await test.integer("SELECT count(*) FROM purchase") == 0)

        let (summary, _) = try await test.importing(.purchases, path, skipInvalid: true)
        #expect(summary.written == 1999 && summary.invalid == 1)
        #expect(try await test.factsRow("C1")?["orders"] == 999)  // order 1234 was the bad one
        #expect(try await test.factsRow("C2")?["spent_minor"] == 100_000 as Int64)
        let (again, _) = try await test.importing(.purchases, path, skipInvalid: true)
        #expect(again.unchanged == 1999 && again.written == 0)
    }

    /// Consents go 512 rows per statement like purchases (SQLite); the same key twice in one batch
    /// is upserted in file order, as row by row.
    @Test("large consent files go through the batched path: counts, facts, a repeated key, fallback for a bad row", arguments: StoreKind.allCases)
    func batchedConsents(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("c.csv", "id\nC1\nC2\n"))
        func at(_ row: Int) -> String {
            let minute = row % 1000
            return "2025-01-0\(1 + row / 1000)T\(String(format: "%02d:%02d", minute / 60, minute % 60)):00Z"
        }
        var lines = ["customer,channel,status,at,basis"]
        for row in 1...2000 {
            let customer = row == 1234 ? "NOPE" : (row % 2 == 0 ? "C1" : "C2")
            lines.append("\(customer),email,\(row % 4 == 0 ? "withdrawn" : "granted"),\(at(row)),consent")
            if row == 10 { lines.append("C1,email,granted,\(at(10)),contract") }  // line 12: the same key again
        }
        let path = try test.file("k.csv", lines.joined(separator: "\n") + "\n")
        let (error, problems) = await test.failing(.consents, path)
        #expect(error is ImportFailed)
        #expect(problems.map(\.description) == ["\(path):1236:1: unknown customer 'NOPE'; import customers first"])
        #expect(try await test.integer("SELECT count(*) FROM consent") == 0)

        let (summary, _) = try await test.importing(.consents, path, skipInvalid: true)
        // SQLite writes the rows in file order: the repeated key is inserted, then updated.
        // PostgreSQL writes the last row of each key (the same end state).
        #expect(summary.written == (kind == .sqlite ? 2000 : 1999) && summary.invalid == 1)
        #expect(try await test.integer("SELECT count(*) FROM consent") == 1999)
        #expect(try await test.texts("SELECT basis FROM consent WHERE basis <> 'consent'") == ["contract"])
        #expect(try await test.factsRow("C1")?["email_consent"] == "withdrawn")  // row 2000
        #expect(try await test.factsRow("C2")?["email_consent"] == "granted")  // row 1999
        let (again, _) = try await test.importing(.consents, path, skipInvalid: true)
        // In file order the repeated key's two rows update it back and forth; nothing else changes.
        #expect(again.written == (kind == .sqlite ? 2 : 0) && again.written + again.unchanged == 2000)
        #expect(try await test.texts("SELECT basis FROM consent WHERE basis <> 'consent'") == ["contract"])
    }

    @Test("tags are replaced on update: new ones added, missing ones removed, for new and existing customers", arguments: StoreKind.allCases)
    func tagsReplaced(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        try await test.importing(.customers, test.file("a.csv", "id,name,tags\nC1,Aino,vip;newsletter\nC2,Leo,\n"))
        try await test.importing(.customers, test.file("b.csv", "id,name,tags\nC3,Eino,vip\nC1,Aino V.,newsletter;gold\nC2,Leo,vip\n"))
        let tags = try await test.texts(
            "SELECT c.external_id || ':' || t.tag FROM customer_tag t JOIN customer c ON c.id = t.customer_id ORDER BY 1")
        #expect(tags == ["C1:gold", "C1:newsletter", "C2:vip", "C3:vip"])
    }

    @Test("imports write without foreign-key checks, and the store's connection enforces them again afterwards, after a failed import too")
    func foreignKeysBackOn() throws {
        let test = try TestStore()
        _ = try test.importFile(.customers, test.file("c.csv", "id\nC1\n"))
        _ = try test.importFile(.purchases, test.file("p.csv", "customer,order,at,amount\nC1,O1,2025-01-01,1.00\n"))
        #expect(throws: ImportFailed.self) {
            _ = try test.importFile(.purchases, test.file("bad.csv", "customer,order,at,amount\nNOPE,O2,2025-01-01,1.00\n"))
        }
        let orphan = "INSERT INTO purchase(customer_id, order_ref, at, amount_minor, currency) VALUES (999, 'O3', 0, 100, 'EUR')"
        let error = #expect(throws: DatabaseError.self) { try test.store.database.write { try $0.execute(sql: orphan) } }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY)
        #expect(try test.int("SELECT count(*) FROM purchase") == 1)
    }

    @Test("a row the store refuses after validation rolls the whole import back, even with --skip-invalid")
    func refusedRowRollsBack() throws {
        let test = try TestStore()
        // Stands in for any constraint failure that validation did not foresee.
        try test.store.database.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_boom BEFORE INSERT ON customer WHEN new.external_id = 'BOOM'
                BEGIN SELECT RAISE(ROLLBACK, 'refused by the store'); END
                """)
        }
        let path = try test.file("c.csv", "id\nC1\nBOOM\nC3\n")
        var importer = Importer(store: test.store, timeZone: TestStore.helsinki)
        importer.skipInvalid = true
        let error = #expect(throws: ImportAborted.self) { try importer.run(.customers, path: path) }
        #expect(error?.description.contains("refused by the store") == true)
        #expect(try test.int("SELECT count(*) FROM customer") == 0)
    }

    /// Regression (reliability scenario 8): a 10 MB name or column name was stored as it was.
    @Test("a one-line value over 1,000 bytes or a column name over 200 bytes rejects the file, and the problem does not echo it", arguments: StoreKind.allCases)
    func overlongValues(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let before = try await test.tableCounts()
        let long = String(repeating: "n", count: 1_001)
        for (name, text) in [
            ("value.csv", "id,email,name\nC1,a@example.fi,Fine\nC2,b@example.fi,\(long)\n"),
            ("column.csv", "id,\(String(repeating: "c", count: 201))\nC1,x\n"),
            ("value.jsonl", #"{"id": "C1", "name": "\#(long)"}"#),
            ("column.jsonl", #"{"id": "C1", "\#(String(repeating: "c", count: 201))": "x"}"#),
        ] {
            let (error, problems) = await test.failing(.customers, try test.file(name, text))
            let messages = problems.map(\.description) + (error.map { ["\($0)"] } ?? [])
            #expect(messages.contains { $0.contains("longer than") }, "\(name): \(messages)")
            #expect(messages.allSatisfy { $0.count < 400 }, "\(name)")
        }
        #expect(try await test.tableCounts() == before)
        #expect(ImportProblem(file: "f", line: 1, column: 1, message: "bad '\(long)'").description.count < 400)
    }
}
