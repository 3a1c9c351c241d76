import CustomerStore
import Foundation
import Logging
import PostgresNIO

/// SQL written for SQLite's `?` placeholders and `SQLValue` arguments (what the rule
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
    static func query(_ sql: String, _ arguments: [SQLValue] = []) -> PostgresQuery {
        PostgresQuery(unsafeSQL: arguments.isEmpty ? sql : numbered(sql), binds: bindings(arguments))
    }

    /// `arguments` bound as `query` binds them.
    static func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        return bindings
    }

    /// The type `bindings` binds `argument` with, nil for NULL (a prepared statement's parameter types).
    static func dataType(_ argument: SQLValue) -> PostgresDataType? {
        switch argument {
        case .null: nil
        case .integer: .int8
        case .real: .float8
        case .text: .text
        case .blob: .bytea
        }
    }

    /// `values` as the text of a PostgreSQL array (`{"a","b",NULL}`), for an argument cast to an
    /// array type: every element quoted, `"` and `\` escaped with a backslash, nil as `NULL`.
    static func arrayLiteral(_ values: [String?]) -> String {
        var text = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            guard let value else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in value {
                if character == "\"" || character == "\\" { text += "\\" }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }

    /// A cell as the `SQLValue` SQLite would give: integers and booleans as integers
    /// (`true` is 1), `numeric` as an integer when it is whole, else a real; text and JSON as text.
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            let decimal = try cell.decode(Decimal.self)
            var value = decimal
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 0, .plain)
            if rounded == decimal, let whole = Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value), Decimal(whole) == decimal {
                return .integer(whole)
            }
            return .real(NSDecimalNumber(decimal: decimal).doubleValue)
        case .bytea: return .blob(Data(try cell.decode([UInt8].self)))
        default: return .text(try cell.decode(String.self))
        }
    }
}

extension PostgresConnection {
    /// Every row of `sql` (with `?` placeholders), as `SQLValue`s; `prepared`: as a statement
    /// prepared once per connection when it can be (`PreparedStatements`).
    func rows(
        _ sql: String, _ arguments: [SQLValue] = [], prepared: Bool = false, logger: Logger = PostgresSQL.quiet
    ) async throws -> [[SQLValue]] {
        try await results(sql, arguments, prepared: prepared, logger: logger).map { try $0.map(PostgresSQL.value) }
    }

    /// Every row of `sql` (with `?` placeholders) as a `SQLRow` whose columns are named as the
    /// query names them, for the records' decoders by column name (`SQLRowDecodable`, `SendRecord(row:)`).
    func namedRows(
        _ sql: String, _ arguments: [SQLValue] = [], prepared: Bool = false, logger: Logger = PostgresSQL.quiet
    ) async throws -> [SQLRow] {
        try await results(sql, arguments, prepared: prepared, logger: logger).map { row in
            var columns: [String] = []
            var values: [SQLValue] = []
            for cell in row {
                columns.append(cell.columnName)
                values.append(try PostgresSQL.value(cell))
            }
            return SQLRow(columns: columns, values: values)
        }
    }

    /// The whole number in the first column of the first row of `sql` (a count), 0 for none.
    func count(_ sql: String, _ arguments: [SQLValue] = [], logger: Logger = PostgresSQL.quiet) async throws -> Int {
        try await rows(sql, arguments, logger: logger).first?.first?.int ?? 0
    }

    /// Runs `sql` (with `?` placeholders) for its effect; `prepared` as in `rows`.
    func execute(_ sql: String, _ arguments: [SQLValue] = [], prepared: Bool = false, logger: Logger = PostgresSQL.quiet) async throws {
        if prepared {
            _ = try await results(sql, arguments, prepared: true, logger: logger)
        } else {
            try await query(PostgresSQL.query(sql, arguments), logger: logger)
        }
    }

    /// The rows of `sql`, run as its prepared statement when `prepared` and it has a slot, else unnamed.
    private func results(_ sql: String, _ arguments: [SQLValue], prepared: Bool, logger: Logger) async throws -> [PostgresRow] {
        if prepared {
            if let slot = PreparedStatements.shared.slot(for: sql, types: arguments.map(PostgresSQL.dataType)) {
                return try await run(PreparedStatements.slotTypes[slot], PostgresSQL.bindings(arguments), logger: logger)
            }
        }
        var rows: [PostgresRow] = []
        for try await row in try await query(PostgresSQL.query(sql, arguments), logger: logger) { rows.append(row) }
        return rows
    }

    private func run<Statement: SlotStatement>(_: Statement.Type, _ bindings: PostgresBindings, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await execute(Statement(bindings: bindings), logger: logger) { rows.append(row) }
        return rows
    }
}

extension PostgresSQL {
    /// A logger that drops postgres-nio's per-query messages.
    static let quiet = Logger(label: "campaignd.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })
}
