import PostgresNIO
import Synchronization

/// Statements a daemon runs over and over (a claim, its re-check, an outcome, `BEGIN`) prepared
/// once per connection under a fixed name, so the server parses and plans them once instead of at
/// every run, and the client sends only `Bind` and `Execute` (on two cores, parsing and planning
/// the dispatch's unnamed statements cost PostgreSQL more than executing them; docs/performance.md).
///
/// postgres-nio prepares a statement per connection, on its first run there, from a type's static
/// `name` and `sql` (`PostgresPreparedStatement`). A statement known only at run time takes one of
/// 64 slot types (`Slot`), first come first served, and keeps it for the life of the
/// process. The parameter types are fixed at the first run with no NULL argument, and the
/// statement is prepared with them on every connection: a run whose arguments have other types,
/// a statement first seen with a NULL argument, or one that finds every slot taken runs unnamed,
/// as every other statement does.
///
/// Only statements whose text does not change with their values belong here (no literals, no
/// `IN` lists sized by the batch), and only ones whose result columns a migration cannot change
/// (`RETURNING` names its columns; `*` would fail with "cached plan must not change result type"
/// once a column is added while a daemon runs).
final class PreparedStatements: Sendable {
    /// The process's statements: every connection prepares a slot's statement alike.
    static let shared = PreparedStatements(capacity: slotTypes.count)

    /// A slot's statement: its SQL (with `$n` placeholders) and parameter types.
    struct Entry: Sendable, Equatable {
        let sql: String
        let types: [PostgresDataType]
    }

    private struct State {
        var slots: [String: Int] = [:]
        var entries: [Entry] = []
    }

    /// How many statements it holds at most.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The slot of `sql` (with `?` placeholders) run with arguments of `types` (nil for NULL),
    /// taking a free one on first sight; nil when the statement runs unnamed.
    func slot(for sql: String, types: [PostgresDataType?]) -> Int? {
        state.withLock { state in
            if let slot = state.slots[sql] {
                let entry = state.entries[slot]
                guard entry.types.count == types.count, zip(entry.types, types).allSatisfy({ $1 == nil || $0 == $1 }) else { return nil }
                return slot
            }
            let known = types.compactMap { $0 }
            guard state.entries.count < capacity, known.count == types.count else { return nil }
            state.slots[sql] = state.entries.count
            state.entries.append(Entry(sql: known.isEmpty ? sql : PostgresSQL.numbered(sql), types: known))
            return state.entries.count - 1
        }
    }

    /// The statement in `slot`.
    func entry(_ slot: Int) -> Entry {
        state.withLock { $0.entries[slot] }
    }

    /// The slot types, by slot: 64 types from six binary digits (`Bit`).
    static let slotTypes: [any SlotStatement.Type] = (0..<64).map { index in
        func bit(_ n: Int) -> any Bit.Type { (index >> n) & 1 == 1 ? One.self : Zero.self }
        return slotType(bit(5), bit(4), bit(3), bit(2), bit(1), bit(0))
    }

    private static func slotType<B5: Bit, B4: Bit, B3: Bit, B2: Bit, B1: Bit, B0: Bit>(
        _: B5.Type, _: B4.Type, _: B3.Type, _: B2.Type, _: B1.Type, _: B0.Type
    ) -> any SlotStatement.Type {
        Slot<B5, B4, B3, B2, B1, B0>.self
    }
}

/// One binary digit of a slot's number, as a type: six of them name one of 64 slot types.
protocol Bit { static var value: Int { get } }
enum Zero: Bit { static var value: Int { 0 } }
enum One: Bit { static var value: Int { 1 } }

/// A prepared statement whose SQL and parameter types are its slot's (`PreparedStatements`).
protocol SlotStatement: PostgresPreparedStatement where Row == PostgresRow {
    init(bindings: PostgresBindings)
}

/// The slot numbered by its six bits.
struct Slot<B5: Bit, B4: Bit, B3: Bit, B2: Bit, B1: Bit, B0: Bit>: SlotStatement {
    static var index: Int { B5.value << 5 | B4.value << 4 | B3.value << 3 | B2.value << 2 | B1.value << 1 | B0.value }
    static var name: String { "campaignd_\(index)" }
    static var sql: String { PreparedStatements.shared.entry(index).sql }
    static var bindingDataTypes: [PostgresDataType] { PreparedStatements.shared.entry(index).types }

    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
