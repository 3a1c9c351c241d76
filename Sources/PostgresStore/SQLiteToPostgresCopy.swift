import CustomerStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Copies a SQLite store into an empty PostgreSQL store: every table of
/// `StoreExport.copiedTables`, page by page, with `COPY … FROM STDIN` (postgres-nio's
/// `copyFrom`, text format), all in one PostgreSQL transaction. The target's triggers build the
/// facts as the rows arrive; before committing, the copy compares every table's count and the
/// facts' totals (`StoreExport.factsTotalsSQL`) with the SQLite store's, and rolls back on any
/// difference. A target with any customer, history or send-log row is refused.
public struct SQLiteToPostgresCopy: Sendable {
    public let source: CustomerStore
    public let target: PostgresStore
    /// Rows read from SQLite and sent per page.
    public var pageSize: Int

    /// What was copied: rows per table.
    public struct Report: Sendable {
        public var rows: [String: Int64]
        /// The facts totals both stores agreed on.
        public var factsTotals: [SQLValue]
    }

    public init(from source: CustomerStore, to target: PostgresStore, pageSize: Int = 10_000) {
        self.source = source
        self.target = target
        self.pageSize = pageSize
    }

    public func run() async throws -> Report {
        let location = target.location
        guard source.currency == target.currency else {
            throw PostgresStoreError.currencyMismatch(location: location.description, store: target.currency, config: source.currency)
        }
        let export = try source.export()
        let expected = try export.counts()
        let expectedFacts = try export.factsTotals()
        let pageSize = self.pageSize
        do {
            return try await target.withConnection { connection in
                try await Self.failingOnClose(connection) {
                try await connection.withTransaction(logger: PostgresSQL.quiet) { transaction in
                    try await Self.refuseNonEmpty(transaction, location: location)
                    for table in export.tables {
                        if table.name == "store_meta" {
                            try await Self.copyMeta(export, table, into: transaction)
                        } else {
                            try await Self.copy(export, table, pageSize: pageSize, into: transaction)
                        }
                    }
                    try await Self.advanceIdentities(transaction)
                    var rows: [String: Int64] = [:]
                    for name in StoreExport.copiedTables {
                        let count = try await transaction.rows("SELECT count(*) FROM \(name)")[0][0]
                        rows[name] = count.int64 ?? -1
                        if rows[name] != expected[name] {
                            throw PostgresStoreError.copyMismatch(
                                what: "rows of \(name)", sqlite: "\(expected[name] ?? 0)", postgres: "\(count)")
                        }
                    }
                    let facts = try await transaction.rows(StoreExport.factsTotalsSQL)[0]
                    if facts != expectedFacts {
                        throw PostgresStoreError.copyMismatch(
                            what: "facts totals", sqlite: "\(expectedFacts)", postgres: "\(facts)")
                    }
                    return Report(rows: rows, factsTotals: facts)
                }
                }
            }
        } catch {
            throw PostgresStoreError.explaining(error, location: location, operation: "copy store")
        }
    }

    /// Runs `body`, ending with `ConnectionLost` as soon as `connection` closes. postgres-nio
    /// 1.33's `COPY` writer can wait for ever for a closed connection to become writable (seen with
    /// the server restarted mid-copy), and cancellation does not reach it; the abandoned `body`
    /// then stays suspended, which a command that exits right after can afford.
    static func failingOnClose<T: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = connection.eventLoop.makePromise(of: T.self)
        Task {
            do { outcome.succeed(try await body()) } catch { outcome.fail(error) }
        }
        // A promise completes once: whichever comes second is ignored.
        connection.closeFuture.whenComplete { _ in outcome.fail(ConnectionLost()) }
        return try await outcome.futureResult.get()
    }

    struct ConnectionLost: Error, CustomStringConvertible {
        var description: String { "the connection was lost during the copy (did the server restart?); nothing was committed" }
    }

    /// Throws unless every copied table but `store_meta` is empty.
    private static func refuseNonEmpty(_ connection: PostgresConnection, location: PostgresStore.Location) async throws {
        for name in StoreExport.copiedTables where name != "store_meta" {
            if try await !connection.rows("SELECT 1 FROM \(name) LIMIT 1").isEmpty {
                throw PostgresStoreError.targetNotEmpty(location: location.description, table: name)
            }
        }
    }

    /// `store_meta` keys other than the currency (already equal), replacing the target's.
    private static func copyMeta(_ export: StoreExport, _ table: StoreExport.Table, into connection: PostgresConnection) async throws {
        for row in try export.page(table, after: nil, limit: 10_000) where row[0].string != "currency" {
            try await connection.execute(
                "INSERT INTO store_meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", row)
        }
    }

    /// One `COPY` of the table, its rows sent a page at a time in key order.
    private static func copy(
        _ export: StoreExport, _ table: StoreExport.Table, pageSize: Int, into connection: PostgresConnection
    ) async throws {
        try await connection.copyFrom(table: table.name, columns: table.columns, logger: PostgresSQL.quiet) { writer in
            var after: [SQLValue]?
            while true {
                let rows = try export.page(table, after: after, limit: pageSize)
                guard let last = rows.last else { break }
                var buffer = ByteBuffer()
                buffer.reserveCapacity(rows.count * 64)
                for row in rows { CopyText.append(row, to: &buffer) }
                try await writer.write(buffer)
                after = export.key(of: last, in: table)
                if rows.count < pageSize { break }
            }
        }
    }

    /// Identity columns continue after the copied ids.
    private static func advanceIdentities(_ connection: PostgresConnection) async throws {
        for name in ["customer", "purchase", "event", "feedback", "consent", "coupon", "send", "enrolment"] {
            try await connection.execute(
                "SELECT setval(pg_get_serial_sequence('\(name)', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM \(name)")
        }
    }
}

/// Rows in `COPY`'s text format: tab-separated, `\N` for NULL, backslash escapes.
enum CopyText {
    static func append(_ row: [SQLValue], to buffer: inout ByteBuffer) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .integer(let number): buffer.writeString(String(number))
            case .real(let number): buffer.writeString("\(number)")
            case .text(let text): escape(text, into: &buffer)
            case .blob(let data):
                buffer.writeStaticString("\\\\x")
                for byte in data { buffer.writeString(String(format: "%02x", byte)) }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func escape(_ text: String, into buffer: inout ByteBuffer) {
        // Most values need no escape: written whole.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
