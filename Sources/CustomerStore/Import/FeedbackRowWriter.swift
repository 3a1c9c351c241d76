import GRDB

/// Inserts feedback answers, unique by (customer, kind, time).
struct FeedbackRowWriter: RowWriter {
    private let upsert: Statement

    /// The valid score range of each kind of survey.
    static let scoreRanges: [String: ClosedRange<Int>] = ["nps": 0...10, "csat": 1...5, "ces": 1...7]

    init(db: Database, columns: [String]) throws {
        upsert = try db.makeStatement(sql: """
            INSERT INTO feedback(customer_id, kind, score, at, comment) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(customer_id, kind, at) DO UPDATE SET score = excluded.score, comment = excluded.comment
            WHERE (feedback.score, feedback.comment) IS NOT (excluded.score, excluded.comment)
            """)
    }

    mutating func write(_ record: ImportRecord, db: Database, context: inout RowContext) throws(ImportProblem) -> Bool {
        let customer = try context.customerID(record, db)
        let kind = try context.required(record, "kind").lowercased()
        guard let range = Self.scoreRanges[kind] else {
            throw context.problem(record, "kind", "unknown feedback kind '\(kind)'; expected nps, csat or ces")
        }
        let scoreText = try context.required(record, "score")
        guard let score = Int(scoreText), range.contains(score) else {
            throw context.problem(record, "score", "\(kind) score must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(scoreText)'")
        }
        let at = try context.timestamp(record, "at")!
        let comment = record.value("comment")
        do {
            try upsert.execute(arguments: [customer, kind, score, at, comment])
        } catch {
            throw context.problem(record, "kind", "write feedback: \(error)")
        }
        return db.changesCount > 0
    }
}
