import GRDB

/// A journey's last entry scan, as the tick that ran it recorded it (`journey_entry_scan`).
///
/// Every customer for whom the entry condition (`signature`) held at `scannedAt`, with the data
/// of that tick's snapshot, was enrolled then. So when the condition cannot turn true by time
/// alone, a later tick needs to test only the customers changed since (`changedSince`).
public struct JourneyEntryScan: Sendable, Equatable {
    public let journey: String
    /// The compiled entry condition and journey version the scan ran.
    public let signature: String
    /// The tick's instant.
    public let scannedAt: Int64
    /// Where the customer changes stood in the tick's snapshot.
    public let mark: CustomerChangeMark

    public init(journey: String, signature: String, scannedAt: Int64, mark: CustomerChangeMark) {
        self.journey = journey
        self.signature = signature
        self.scannedAt = scannedAt
        self.mark = mark
    }
}

/// Where the store's customer changes stood in one snapshot (`customer_change`, docs/store.md).
public struct CustomerChangeMark: Sendable, Equatable {
    /// The highest change sequence number.
    public let seq: Int64
    /// How many suppression entries had been removed or changed.
    public let suppressionLifted: Int64

    public init(seq: Int64, suppressionLifted: Int64) {
        self.seq = seq
        self.suppressionLifted = suppressionLifted
    }
}

extension CustomerStore {
    /// The customer change mark in `db`'s snapshot.
    public static func customerChangeMark(in db: Database) throws -> CustomerChangeMark {
        let seq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM customer_change") ?? 0
        let lifted = try Int64.fetchOne(
            db, sql: "SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = 'suppression_lifted'") ?? 0
        return CustomerChangeMark(seq: seq, suppressionLifted: lifted)
    }

    /// The last entry scan of every journey that has one, by journey, in `db`'s snapshot.
    public static func journeyEntryScans(in db: Database) throws -> [String: JourneyEntryScan] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT journey, signature, scanned_at, watermark, suppression_lifted FROM journey_entry_scan")
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            let scan = JourneyEntryScan(
                journey: row[0], signature: row[1], scannedAt: row[2],
                mark: CustomerChangeMark(seq: row[3], suppressionLifted: row[4]))
            return (scan.journey, scan)
        })
    }

    /// A SQL set of customer ids (for `customer_id IN …`) changed since a scan: data written
    /// after change mark `?` (its `seq`), or history dated after instant `?` (its `scannedAt`).
    public static let customersChangedSinceSQL =
        "(SELECT customer_id FROM customer_change WHERE seq > ? OR latest_at > ?)"
}

extension EnrolmentWriter {
    /// Records `scan` as its journey's last entry scan, in the tick's transaction.
    public func recordEntryScan(_ scan: JourneyEntryScan) throws {
        try db.execute(
            sql: """
                INSERT INTO journey_entry_scan(journey, signature, scanned_at, watermark, suppression_lifted)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(journey) DO UPDATE SET signature = excluded.signature, scanned_at = excluded.scanned_at,
                    watermark = excluded.watermark, suppression_lifted = excluded.suppression_lifted
                """,
            arguments: [scan.journey, scan.signature, scan.scannedAt, scan.mark.seq, scan.mark.suppressionLifted])
    }
}
