import GRDB
import GRDBSQLite

/// The store ids of the customers an import's rows name, by external id: one indexed lookup
/// each, or — for a bulk load (`preloaded`) — from a map of the whole customer table read once
/// in the import's transaction (a customers import adds the customers it inserts). At 10 M
/// purchases the two lookups per row a batch statement made (the check that every customer
/// exists, then the lookup inside the insert) were a third of the writer's work, with the index
/// pages they read.
///
/// The ids are read in the import's own write transaction, which no other writer can enter, so
/// every id handed out names a customer that exists when the import commits: the importer relies
/// on that to write without SQLite's foreign-key lookups (`Importer`).
final class CustomerIDs {
    private let lookup: BulkStatement
    /// Every customer's id by external id, when preloaded.
    private var known: [String: Int64]?

    init(_ db: Database, preloaded: Bool) throws {
        lookup = try BulkStatement(db, sql: "SELECT id FROM customer WHERE external_id = ?")
        guard preloaded else { return }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer") ?? 0
        var known: [String: Int64] = [:]
        known.reserveCapacity(count)
        let all = try db.makeStatement(sql: "SELECT external_id, id FROM customer")
        let handle = all.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            guard code == SQLITE_ROW else {
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                break
            }
            let text = sqlite3_column_text(handle, 0)!
            let length = Int(sqlite3_column_bytes(handle, 0))
            let externalID = String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
            known[externalID] = sqlite3_column_int64(handle, 1)
        }
        self.known = known
    }

    /// Whether every customer's id is in memory (a bulk load): then `knows` answers without a
    /// query, and writers that add customers `remember` them.
    var isPreloaded: Bool { known != nil }

    /// Whether `externalID` names a customer; only when preloaded.
    func knows(_ externalID: String) -> Bool { known?[externalID] != nil }

    /// Notes a customer the import has just added (when preloaded).
    func remember(_ externalID: String, id: Int64) { known?[externalID] = id }

    /// About how many customers the store holds: the largest id (one b-tree edge, where
    /// count(*) would scan).
    static func estimatedCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: CustomerStore.highestCustomerIDSQL) ?? 0
    }

    /// Gives the preloaded map's memory back; lookups go to the index from now on.
    func dropPreloaded() { known = nil }

    /// The id of the customer `externalID` names, or nil when there is none.
    func id(_ externalID: String) throws -> Int64? {
        if let known { return known[externalID] }
        lookup.bind([.text(externalID)])
        return try lookup.firstInteger()
    }

    /// The ids of `externalIDs`' customers, in order, into `ids`; false (and `ids` incomplete)
    /// as soon as one names no customer: a batch writer then writes its rows one by one.
    func ids(_ externalIDs: some Sequence<String>, into ids: inout [Int64]) throws -> Bool {
        ids.removeAll(keepingCapacity: true)
        for externalID in externalIDs {
            guard let id = try id(externalID) else { return false }
            ids.append(id)
        }
        return true
    }

    /// The id of the customer named in `column`, which must exist; otherwise the row's problem.
    func id(_ externalID: String, record: ImportRecord, file: String, column: String = "customer") throws(ImportProblem) -> Int64 {
        let found: Int64?
        do {
            found = try id(externalID)
        } catch {
            throw ImportProblem(file, record, column, "look up customer '\(externalID)': \(error)", cause: error)
        }
        guard let found else { throw ImportProblem(file, record, column, "unknown customer '\(externalID)'; import customers first") }
        return found
    }
}
