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
    /// The files the set was built from, sorted by name.
    public let files: [SourceFile]
    private let segmentIndex: [String: Int]

    init(rules: [Rule], segments: [Segment], files: [SourceFile]) {
        self.rules = rules
        self.segments = segments
        self.files = files
        self.segmentIndex = Dictionary(uniqueKeysWithValues: segments.enumerated().map { ($1.name, $0) })
    }

    public func segment(named name: String) -> Segment? {
        segmentIndex[name].map { segments[$0] }
    }

    public func rule(named name: String) -> Rule? {
        rules.first { $0.name == name }
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
