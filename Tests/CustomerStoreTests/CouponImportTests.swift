@testable import CustomerStore
import Foundation
import GRDB
import Testing

/// `campaignd import coupons POOL FILE`: formats, idempotence, atomicity, FILE:LINE errors and
/// codes already in another pool.
@Suite("coupon import")
struct CouponImportTests {
    func run(_ test: TestStore, _ pool: String, _ path: String) throws -> CouponImportSummary {
        try test.store.importCoupons(pool: pool, path: path, timeZone: TestStore.helsinki, now: 1_800_000_000)
    }

    func codes(_ test: TestStore) throws -> [Row] {
        try test.store.database.read { try Row.fetchAll($0, sql: "SELECT code, pool, expires_at FROM coupon ORDER BY code") }
    }

    @Test("CSV with a header, CSV without, and one code a line; a date expires when the next day starts")
    func formats() throws {
        let test = try TestStore()
        #expect(try run(test, "A", test.file("a.csv", "code,expires\nA-1,2026-12-31\nA-2,\n")).written == 2)
        #expect(try run(test, "B", test.file("b.csv", "B-1,2027-01-01T12:00:00Z\r\nB-2\r\n")).written == 2)
        #expect(try run(test, "C", test.file("c.txt", "C-1\n\nC-2\nC-3\n")).written == 3)
        let rows = try codes(test)
        #expect(rows.map { $0["code"] as String } == ["A-1", "A-2", "B-1", "B-2", "C-1", "C-2", "C-3"])
        // 2027-01-01T00:00 in Helsinki (UTC+2).
        #expect(rows[0]["expires_at"] as Int64? == 1_798_754_400)
        #expect(rows[1]["expires_at"] as Int64? == nil)
        #expect(rows[2]["expires_at"] as Int64? == 1_798_804_800)
    }

    @Test("importing the same file twice changes nothing")
    func idempotent() throws {
        let test = try TestStore()
        let path = try test.file("codes.csv", "code,expires\nW-1,2026-12-31\nW-2,\n")
        #expect(try run(test, "WINBACK10", path) == CouponImportSummary(codes: 2, written: 2, unchanged: 0))
        #expect(try run(test, "WINBACK10", path) == CouponImportSummary(codes: 2, written: 0, unchanged: 2))
        #expect(try codes(test).count == 2)
    }

    @Test("one bad line and nothing is written; every bad line is reported as FILE:LINE")
    func atomic() throws {
        let test = try TestStore()
        let path = try test.file("bad.csv", "code,expires\nG-1,2026-12-31\nG 2\nG-3,someday\nG-1\nG-5,2026-01-01,x\n")
        let error = try #require(throws: CouponImportError.self) { try run(test, "P", path) }
        #expect(error.problems == [
            "\(path):3: a code must be 1 to 200 characters without spaces",
            "\(path):4: expires 'someday' is not a date (YYYY-MM-DD) or date-time",
            "\(path):5: code 'G-1' is already on line 2",
            "\(path):6: expected 'code' or 'code,expires', found 3 fields",
        ])
        #expect(try codes(test).isEmpty)
    }

    @Test("a code already in another pool is refused, and nothing of the file is written")
    func crossPool() throws {
        let test = try TestStore()
        _ = try run(test, "SPRING", test.file("spring.txt", "X-1\nX-2\n"))
        let path = try test.file("autumn.txt", "Y-1\nX-2\n")
        let error = try #require(throws: CouponImportError.self) { try run(test, "AUTUMN", path) }
        #expect(error.problems == ["\(path):2: code 'X-2' is already in pool 'SPRING'"])
        #expect(try codes(test).map { $0["pool"] as String } == ["SPRING", "SPRING"])
    }
}
