import Foundation
import GRDB
import RuleLanguage

/// What `campaignd import coupons POOL FILE` did.
public struct CouponImportSummary: Sendable, Equatable {
    public init(codes: Int = 0, written: Int = 0, unchanged: Int = 0) {
        self.codes = codes
        self.written = written
        self.unchanged = unchanged
    }

    /// Codes in the file.
    public var codes = 0
    /// Codes added to the pool, or whose expiry changed.
    public var written = 0
    /// Codes already in the pool as given.
    public var unchanged = 0
}

/// Reads a coupon file: CSV `code[,expires]` with or without a header row, or one code a line.
/// Blank lines are ignored; `expires` is a date (the code is valid through that day in the
/// business time zone) or a date-time.
public struct CouponFile {
    /// One code of the file.
    public struct Entry: Equatable, Sendable {
        public var code: String
        public var expiresAt: Int64?
        public var line: Int
    }

    /// The codes of the file at `path` for `pool`, after the checks every store makes: the pool
    /// name, the file readable, every line good (`CouponImportError` listing every bad one).
    public static func entries(pool: String, path: String, timeZone: TimeZone) throws(CouponImportError) -> [Entry] {
        guard !pool.isEmpty, pool.allSatisfy({ !$0.isWhitespace }) else {
            throw CouponImportError(problems: ["pool name '\(pool)' must be non-empty and without spaces"])
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CouponImportError(problems: ["\(path): cannot read the file: \(error.localizedDescription)"])
        }
        return try read(text, path: path, timeZone: timeZone).get()
    }

    /// Every entry, or every bad line as `FILE:LINE: message`.
    static func read(_ text: String, path: String, timeZone: TimeZone) -> Result<[Entry], CouponImportError> {
        var parser = TimestampParser(timeZone: timeZone)
        var entries: [Entry] = []
        var problems: [String] = []
        var firstLine = true
        var seen: [String: Int] = [:]
        // `isNewline`: "\r\n" is one Character, so splitting on "\n" alone would miss it.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = index + 1
            var fields = raw.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            if fields == [""] { continue }
            defer { firstLine = false }
            if firstLine, fields.first?.lowercased() == "code", fields.count <= 2,
                fields.count == 1 || fields[1].lowercased() == "expires"
            {
                continue
            }
            if fields.count == 2, fields[1].isEmpty { fields.removeLast() }
            guard fields.count <= 2 else {
                problems.append("\(path):\(line): expected 'code' or 'code,expires', found \(fields.count) fields")
                continue
            }
            let code = fields[0]
            guard !code.isEmpty, code.count <= 200, code.allSatisfy({ !$0.isWhitespace && $0.asciiValue.map { $0 >= 32 } ?? true })
            else {
                problems.append("\(path):\(line): a code must be 1 to 200 characters without spaces")
                continue
            }
            if let first = seen[code] {
                problems.append("\(path):\(line): code '\(code)' is already on line \(first)")
                continue
            }
            seen[code] = line
            var expiresAt: Int64?
            if fields.count == 2 {
                let text = fields[1]
                guard let at = parser.seconds(text) else {
                    problems.append("\(path):\(line): expires '\(text)' is not a date (YYYY-MM-DD) or date-time")
                    continue
                }
                // A date alone: valid through that day, so it expires when the next day starts.
                if text.count == 10, let date = TimestampParser.calendarDate(Array(text.utf8)) {
                    let next = CivilCalendar.date(dayNumber: CivilCalendar.dayNumber(year: date.year, month: date.month, day: date.day) + 1)
                    expiresAt = parser.seconds(String(format: "%04d-%02d-%02d", next.year, next.month, next.day)) ?? at + 86_400
                } else {
                    expiresAt = at
                }
            }
            entries.append(Entry(code: code, expiresAt: expiresAt, line: line))
        }
        return problems.isEmpty ? .success(entries) : .failure(CouponImportError(problems: problems))
    }
}

/// Why a coupon import wrote nothing: every bad line, `FILE:LINE: message`.
public struct CouponImportError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        let shown = problems.prefix(20).joined(separator: "\n")
        let more = problems.count > 20 ? "\n… and \(problems.count - 20) more" : ""
        return "\(shown)\(more)\nnothing imported: fix the lines above and import the file again"
    }
}

extension CustomerStore {
    /// Adds the codes of the file at `path` to `pool`, all or nothing: a bad line, or a code that
    /// is already in another pool, and nothing is written. Importing the same file again changes
    /// nothing; a code already in the pool takes the file's expiry. The pool's free codes, old
    /// and new, are then queued again (`CouponQueue.requeueSQL`).
    public func importCoupons(pool: String, path: String, timeZone: TimeZone, now: Int64) throws -> CouponImportSummary {
        let entries = try CouponFile.entries(pool: pool, path: path, timeZone: timeZone)
        return try database.write { db in
            var summary = CouponImportSummary(codes: entries.count)
            var problems: [String] = []
            let existing = try db.makeStatement(sql: "SELECT pool, expires_at FROM coupon WHERE code = ?")
            let insert = try db.makeStatement(
                sql: "INSERT INTO coupon(code, pool, place, expires_at, imported_at) VALUES (?, ?, 0, ?, ?)")
            let update = try db.makeStatement(sql: "UPDATE coupon SET expires_at = ? WHERE code = ?")
            for entry in entries {
                if let row = try Row.fetchOne(existing, arguments: [entry.code]) {
                    let otherPool: String = row[0]
                    guard otherPool == pool else {
                        problems.append("\(path):\(entry.line): code '\(entry.code)' is already in pool '\(otherPool)'")
                        continue
                    }
                    if (row[1] as Int64?) == entry.expiresAt {
                        summary.unchanged += 1
                    } else {
                        try update.execute(arguments: [entry.expiresAt, entry.code])
                        summary.written += 1
                    }
                } else {
                    try insert.execute(arguments: [entry.code, pool, entry.expiresAt, now])
                    summary.written += 1
                }
            }
            // Thrown inside the transaction, so it rolls back: nothing of this file is written.
            if !problems.isEmpty { throw CouponImportError(problems: problems) }
            if summary.written > 0 {
                try db.execute(sql: CouponQueue.requeueSQL(.sqlite), arguments: [pool, pool, pool])
            }
            return summary
        }
    }
}
