import Foundation

/// The checked, resolved rules and segments of a rules directory, ready for evaluation.
///
/// Only built when checking found no errors, so everything in it is valid: every segment a
/// condition names exists, there are no cycles, and every template or endpoint was known.
public struct RuleSet: Sendable {
    /// Rules in source order: files sorted by name, then position in the file.
    public let rules: [Rule]
    /// Segments ordered so that each comes after the segments it uses.
    public let segments: [Segment]
    /// Journeys in source order: files sorted by name, then position in the file.
    public let journeys: [Journey]
    /// The files the set was built from, sorted by name.
    public let files: [SourceFile]
    private let segmentIndex: [String: Int]

    init(rules: [Rule], segments: [Segment], files: [SourceFile], journeys: [Journey] = []) {
        self.rules = rules
        self.segments = segments
        self.journeys = journeys
        self.files = files
        self.segmentIndex = Dictionary(uniqueKeysWithValues: segments.enumerated().map { ($1.name, $0) })
    }

    public func segment(named name: String) -> Segment? {
        segmentIndex[name].map { segments[$0] }
    }

    public func rule(named name: String) -> Rule? {
        rules.first { $0.name == name }
    }

    /// Segments whose membership the store keeps per tick, because a rule, segment or journey
    /// reads their transitions (`entered S`, `left S`); in segment order (dependencies first).
    public var transitionSegments: [Segment] {
        var conditions = rules.map(\.condition) + segments.map(\.condition)
        for journey in journeys {
            conditions.append(journey.entry)
            if let exit = journey.exit { conditions.append(exit) }
            conditions += journey.steps.compactMap(\.condition)
        }
        let used = Set(conditions.flatMap(\.transitionSegments))
        return segments.filter { used.contains($0.name) }
    }

    public func journey(named name: String) -> Journey? {
        journeys.first { $0.name == name }
    }

    /// What the set holds, for `check` and the daemon's status: `5 rules, 2 journeys, 3 segments`.
    public var summary: String {
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        return [counted(rules.count, "rule"), counted(journeys.count, "journey"), counted(segments.count, "segment")]
            .joined(separator: ", ")
    }

    /// The condition with every segment reference replaced by the segment's own condition.
    ///
    /// Terminates because segments are acyclic. Ranges inside inlined parts refer to the
    /// segment's file, not the rule's.
    public func inliningSegments(in condition: Condition) -> Condition {
        switch condition.kind {
        case .all(let parts): Condition(.all(parts.map(inliningSegments)), range: condition.range)
        case .any(let parts): Condition(.any(parts.map(inliningSegments)), range: condition.range)
        case .not(let inner): Condition(.not(inliningSegments(in: inner)), range: condition.range)
        case .segment(let name): segment(named: name).map { inliningSegments(in: $0.condition) } ?? condition
        case .fact, .comparison, .membership: condition
        }
    }
}
