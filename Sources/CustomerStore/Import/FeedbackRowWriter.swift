import GRDB

/// Inserts feedback answers, unique by (customer, kind, time).
struct FeedbackRowWriter: RowWriter {
    struct Row: Sendable {
        var customer: String
        var kind: String
        var score: Int64
        var at: Int64
        var comment: String?
    }

    /// The valid score range of each kind of survey.
    static let scoreRanges: [String: ClosedRange<Int64>] = ["nps": 0...10, "csat": 1...5, "ces": 1...7]

    static func prepare(_ record: ImportRecord, context: inout PrepareContext) throws(ImportProblem) -> Row {
        let customer = try context.required(record, "customer")
        let kind = try context.required(record, "kind").lowercased()
        guard let range = scoreRanges[kind] else {
            throw context.problem(record, "kind", "unknown feedback kind '\(kind)'; expected nps, csat or ces")
        }
        let scoreText = try context.required(record, "score")
        guard let score = Int64(scoreText), range.contains(score) else {
            throw context.problem(record, "score", "\(kind) score must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(scoreText)'")
        }
        let at = try context.timestamp(record, "at")
        return Row(customer: customer, kind: kind, score: score, at: at, comment: record.value("comment"))
    }

    private let upsert: BulkStatement
    private let customers: CustomerIDs

    init(db: Database, columns: [String], customers: CustomerIDs) throws {
        upsert = try BulkStatement(db, sql: """
            INSERT INTO feedback(customer_id, kind, score, at, comment) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(customer_id, kind, at) DO UPDATE SET score = excluded.score, comment = excluded.comment
            WHERE (feedback.score, feedback.comment) IS NOT (excluded.score, excluded.comment)
            """)
        self.customers = customers
    }

    mutating func write(_ row: Row, record: ImportRecord, file: String) throws(ImportProblem) -> Bool {
        let customer = try customers.id(row.customer, record: record, file: file)
        upsert.bind([.integer(customer), .text(row.kind), .integer(row.score), .integer(row.at), StoreValue(row.comment)])
        do {
            return try upsert.execute() > 0
        } catch {
            throw ImportProblem(file, record, "kind", "write feedback: \(error)", cause: error)
        }
    }
}
