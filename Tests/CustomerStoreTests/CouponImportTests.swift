@testable import CustomerStore
import Foundation
import GRDB
import Testing
import TestSupport

/// `campaignd import coupons POOL FILE`: formats, idempotence, atomicity, FILE:LINE errors and
/// codes already in another pool; on both stores (`TestStore(on:)`).
@Suite("coupon import")
struct CouponImportTests {
    func run(_ test: TestStore, _ pool: String, _ path: String) async throws -> CouponImportSummary {
        if let postgres = test.postgres {
            return try await postgres.importCoupons(pool: pool, path: path, timeZone: TestStore.helsinki, now: 1_800_000_000)
        }
        return try test.store.importCoupons(pool: pool, path: path, timeZone: TestStore.helsinki, now: 1_800_000_000)
    }

    /// Every code as `code pool expires_at` (`-` for none), in code order.
    func codes(_ test: TestStore) async throws -> [String] {
        try await test.texts("SELECT code || ' ' || pool || ' ' || coalesce(CAST(expires_at AS TEXT), '-') FROM coupon ORDER BY code")
    }

    @Test("CSV with a header, CSV without, and one code a line; a date expires when the next day starts", arguments: StoreKind.allCases)
    func formats(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        #expect(try await run(test, "A", test.file("a.csv", "code,expires\nA-1,2026-12-31\nA-2,\n")).written == 2)
        #expect(try await run(test, "B", test.file("b.csv", "B-1,2027-01-01T12:00:00Z\r\nB-2\r\n")).written == 2)
        #expect(try await run(test, "C", test.file("c.txt", "C-1\n\nC-2\nC-3\n")).written == 3)
        // A-1 expires at 2027-01-01T00:00 in Helsinki (UTC+2).
        #expect(try await codes(test) == [
            "A-1 A 1798754400", "A-2 A -", "B-1 B 1798804800", "B-2 B -", "C-1 C -", "C-2 C -", "C-3 C -",
        ])
    }

    @Test("importing the same file twice changes nothing", arguments: StoreKind.allCases)
    func idempotent(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let path = try test.file("codes.csv", "code,expires\nW-1,2026-12-31\nW-2,\n")
        #expect(try await run(test, "WINBACK10", path) == CouponImportSummary(codes: 2, written: 2, unchanged: 0))
        #expect(try await run(test, "WINBACK10", path) == CouponImportSummary(codes: 2, written: 0, unchanged: 2))
        #expect(try await codes(test).count == 2)
    }

    @Test("one bad line and nothing is written; every bad line is reported as FILE:LINE", arguments: StoreKind.allCases)
    func atomic(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        let path = try test.file("bad.csv", "code,expires\nG-1,2026-12-31\nG 2\nG-3,someday\nG-1\nG-5,2026-01-01,x\n")
        let error = try await #require(throws: CouponImportError.self) { try await run(test, "P", path) }
        #expect(error.problems == [
            "\(path):3: a code must be 1 to 200 characters without spaces",
            "\(path):4: expires 'someday' is not a date (YYYY-MM-DD) or date-time",
            "\(path):5: code 'G-1' is already on line 2",
            "\(path):6: expected 'code' or 'code,expires', found 3 fields",
        ])
        #expect(try await codes(test).isEmpty)
    }

    @Test("a code already in another pool is refused, and nothing of the file is written", arguments: StoreKind.allCases)
    func crossPool(on kind: StoreKind) async throws {
        let test = try await TestStore(on: kind)
        defer { test.closeLater() }
        _ = try await run(test, "SPRING", test.file("spring.txt", "X-1\nX-2\n"))
        let path = try test.file("autumn.txt", "Y-1\nX-2\n")
        let error = try await #require(throws: CouponImportError.self) { try await run(test, "AUTUMN", path) }
        #expect(error.problems == ["\(path):2: code 'X-2' is already in pool 'SPRING'"])
        #expect(try await codes(test) == ["X-1 SPRING -", "X-2 SPRING -"])
    }
}
