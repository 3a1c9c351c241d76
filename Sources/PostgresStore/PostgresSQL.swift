import Foundation
import GRDB
import Logging
import PostgresNIO

/// SQL written for SQLite's `?` placeholders and `DatabaseValue` arguments (what the rule
/// compiler and the store's shared statements produce), run on PostgreSQL.
enum PostgresSQL {
    /// `sql` with each `?` outside quotes and comments numbered `$1`, `$2`, … in order.
    static func numbered(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        var lineComment = false
        var previous: Character = " "
        for character in sql {
            if lineComment {
                if character == "\n" { lineComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                lineComment = true
            } else if character == "?" {
                number += 1
                result += "$\(number)"
                previous = character
                continue
            }
            result.append(character)
            previous = character
        }
        return result
    }

    /// A query of `sql` (with `?` placeholders) and its arguments, each bound with its type:
    /// integers as `bigint`, reals as `double precision`, text as `text`, blobs as `bytea`.
    static func query(_ sql: String, _ arguments: [DatabaseValue] = []) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.storage {
            case .null: bindings.appendNull()
            case .int64(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .string(let value): bindings.append(value)
            case .blob(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        return PostgresQuery(unsafeSQL: arguments.isEmpty ? sql : numbered(sql), binds: bindings)
    }

    /// A cell as the `DatabaseValue` SQLite would give: integers and booleans as integers
    /// (`true` is 1), `numeric` as an integer when it is whole, else a real; text and JSON as text.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return try cell.decode(Int64.self).databaseValue
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0 as Int64).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .numeric:
            let decimal = try cell.decode(Decimal.self)
            var value = decimal
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 0, .plain)
            if rounded == decimal, let whole = Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value), Decimal(whole) == decimal {
                return whole.databaseValue
            }
            return NSDecimalNumber(decimal: decimal).doubleValue.databaseValue
        case .bytea: return Data(try cell.decode([UInt8].self)).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }
}

extension PostgresConnection {
    /// Every row of `sql` (with `?` placeholders), as `DatabaseValue`s.
    func rows(_ sql: String, _ arguments: [DatabaseValue] = [], logger: Logger = PostgresSQL.quiet) async throws -> [[DatabaseValue]] {
        var result: [[DatabaseValue]] = []
        for try await row in try await query(PostgresSQL.query(sql, arguments), logger: logger) {
            result.append(try row.map(PostgresSQL.value))
        }
        return result
    }

    /// Every row of `sql` (with `?` placeholders) as a GRDB `Row` whose columns are named as the
    /// query names them, so the SQLite store's row decoders (by column name) read it.
    func namedRows(_ sql: String, _ arguments: [DatabaseValue] = [], logger: Logger = PostgresSQL.quiet) async throws -> [Row] {
        var result: [Row] = []
        for try await row in try await query(PostgresSQL.query(sql, arguments), logger: logger) {
            var columns: [String: (any DatabaseValueConvertible)?] = [:]
            for cell in row { columns[cell.columnName] = try PostgresSQL.value(cell) }
            result.append(Row(columns))
        }
        return result
    }

    /// The whole number in the first column of the first row of `sql` (a count), 0 for none.
    func count(_ sql: String, _ arguments: [DatabaseValue] = [], logger: Logger = PostgresSQL.quiet) async throws -> Int {
        Int.fromDatabaseValue(try await rows(sql, arguments, logger: logger).first?.first ?? .null) ?? 0
    }

    /// Runs `sql` (with `?` placeholders) for its effect.
    func execute(_ sql: String, _ arguments: [DatabaseValue] = [], logger: Logger = PostgresSQL.quiet) async throws {
        try await query(PostgresSQL.query(sql, arguments), logger: logger)
    }
}

extension PostgresSQL {
    /// A logger that drops postgres-nio's per-query messages.
    static let quiet = Logger(label: "campaignd.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })
}
