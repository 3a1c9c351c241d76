/// The canonical order of clauses inside a rule, a journey and a step.
///
/// Clauses are keyed by their keyword's spelling, so clauses this table does not know (added to
/// the language later) still have a place: after the known ones in a rule or step, and, in a
/// journey, in sequence with the steps and waits, which are never moved.
enum ClauseOrder {
    static let rule = ranks([
        "description", "when", "send", "winner", "coupon", "limit", "holdout", "quiet", "priority", "purpose",
        "active",
    ])

    /// A journey's clauses that may appear anywhere in its body; everything else runs in order.
    static let journeyHeader = ranks(["description", "enter", "exit", "reenter", "holdout", "priority", "purpose"])

    static let step = ranks(["when", "send", "winner", "coupon", "quiet"])

    /// Unknown keywords go after all known ones, in source order.
    static let unknown = Int.max

    /// Positions of `keywords` sorted by their rank in `table` (unknown last), ties in source order.
    static func sorted(_ keywords: [String], by table: [String: Int]) -> [Int] {
        keywords.indices.sorted { a, b in
            let rankA = table[keywords[a]] ?? unknown, rankB = table[keywords[b]] ?? unknown
            return rankA != rankB ? rankA < rankB : a < b
        }
    }

    /// Positions of a journey's clauses: header clauses first, sorted, then the rest in source order.
    static func sortedJourney(_ keywords: [String]) -> [Int] {
        let header = keywords.indices.filter { journeyHeader[keywords[$0]] != nil }
        let sequence = keywords.indices.filter { journeyHeader[keywords[$0]] == nil }
        return sorted(header.map { keywords[$0] }, by: journeyHeader).map { header[$0] } + sequence
    }

    private static func ranks(_ keywords: [String]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: keywords.enumerated().map { ($1, $0) })
    }
}
